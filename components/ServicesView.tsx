"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Fragment, useId, useMemo, useRef, useState } from "react";
import type { ServiceList } from "@/server/mesh/catalog";
import type { ServiceView } from "@/server/mesh/subsets";
import { ApiError, getJson, queryKeys } from "./api";
import { useSlashToFocus } from "./useSlashToFocus";

const REFRESH_MS = 10_000;

/** The Services page: every service in the mesh with its ports, subsets (versions), workloads and endpoints. */
export function ServicesView() {
  // ?namespace=...&q=... (links from the graph's side panel) preset the filters.
  const params = useSearchParams();
  const [namespace, setNamespace] = useState(params.get("namespace") ?? "");
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const searchRef = useRef<HTMLInputElement>(null);
  const searchId = useId();
  const nsId = useId();
  const namespaces = namespace ? [namespace] : [];

  const { data, error, isPending, isFetching, dataUpdatedAt, refetch } = useQuery({
    queryKey: queryKeys.services(namespaces),
    queryFn: ({ signal }) => getJson<ServiceList>(`/api/services${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ""}`, signal),
    refetchInterval: REFRESH_MS,
  });

  useSlashToFocus(searchRef);

  const services = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (data?.services ?? []).filter(
      (s) => !q || s.name.includes(q) || s.hostname.includes(q) || s.workloads.some((w) => w.name.includes(q)) || s.subsets.some((x) => x.name.includes(q)),
    );
  }, [data, search]);

  const toggle = (key: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Services</h1>
        {data && (
          <span className="muted" data-testid="service-count">
            {services.length} of {data.services.length} services
          </span>
        )}
        <div className="spacer" />
        <span className="muted small" aria-live="polite">
          {isFetching ? "Refreshing…" : dataUpdatedAt ? `Updated ${new Date(dataUpdatedAt).toLocaleTimeString()} · every ${REFRESH_MS / 1000} s` : ""}
        </span>
        <button type="button" className="button" onClick={() => void refetch()} disabled={isFetching}>
          Refresh
        </button>
      </header>

      <div className="toolbar" role="search">
        <label htmlFor={searchId} className="visually-hidden">
          Filter services
        </label>
        <input
          id={searchId}
          ref={searchRef}
          type="search"
          className="input"
          placeholder="Filter services, versions, workloads  ( / )"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label htmlFor={nsId}>Namespace</label>
        <select id={nsId} className="input" value={namespace} onChange={(e) => setNamespace(e.target.value)}>
          <option value="">All namespaces</option>
          {(data?.namespaces ?? []).map((ns) => (
            <option key={ns} value={ns}>
              {ns}
            </option>
          ))}
        </select>
      </div>

      {error && (
        <div className="alert" role="alert">
          <strong>{data ? "Showing the last services loaded; refreshing failed: " : "Cannot load services: "}</strong>
          {error.message}
          {error instanceof ApiError && error.requestId && <span className="muted small"> (request {error.requestId})</span>}
          <button type="button" className="button button-small" onClick={() => void refetch()}>
            Retry
          </button>
        </div>
      )}

      {isPending ? (
        <div className="loading" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" /> Loading services…
        </div>
      ) : data && data.services.length === 0 ? (
        <div className="empty" role="status">
          <h2>No services</h2>
          <p>
            The registry has no services{namespace ? ` in namespace ${namespace}` : ""}. The built-in demo mesh is off (<code>SEXTANT_DEMO=false</code>) and no
            Kubernetes source is configured yet.
          </p>
        </div>
      ) : data && services.length === 0 ? (
        <div className="empty" role="status">
          <p>No service matches “{search}”.</p>
          <button type="button" className="button" onClick={() => setSearch("")}>
            Clear filter
          </button>
        </div>
      ) : (
        <table className="table services-table" aria-label="Services">
          <thead>
            <tr>
              <th scope="col" aria-label="Expand" />
              <th scope="col">Service</th>
              <th scope="col">Namespace</th>
              <th scope="col">Ports</th>
              <th scope="col">Subsets</th>
              <th scope="col">Workloads</th>
              <th scope="col">Endpoints</th>
            </tr>
          </thead>
          <tbody>
            {services.map((s) => {
              const key = `${s.namespace}/${s.name}`;
              const open = expanded.has(key);
              const endpoints = allEndpoints(s);
              const ready = endpoints.filter((e) => e.ready).length;
              const detailsId = `endpoints-${s.namespace}-${s.name}`;
              return (
                <Fragment key={key}>
                  <tr data-testid={`service-${s.name}`}>
                    <td>
                      <button
                        type="button"
                        className="expander"
                        aria-expanded={open}
                        aria-controls={detailsId}
                        aria-label={`${open ? "Hide" : "Show"} endpoints of ${s.name}`}
                        onClick={() => toggle(key)}
                      >
                        {open ? "▾" : "▸"}
                      </button>
                    </td>
                    <td>
                      <div className="strong">
                        <Link href={`/services/${s.namespace}/${s.name}`}>{s.name}</Link>
                      </div>
                      <div className="muted small mono">{s.hostname}</div>
                    </td>
                    <td>{s.namespace}</td>
                    <td>
                      {s.ports.map((p) => (
                        <span key={p.name} className="chip mono" title={`${p.name}: port ${p.port}, protocol ${p.protocol}`}>
                          {p.port}/{p.protocol}
                        </span>
                      ))}
                    </td>
                    <td>
                      {s.subsets.length === 0 ? (
                        <span className="muted">none</span>
                      ) : (
                        s.subsets.map((x) => (
                          <span key={x.name} className="chip chip-subset" title={`subset ${x.name} (version=${x.name}): ${x.endpoints.length} endpoint(s)`}>
                            {x.name} <span className="muted">×{x.endpoints.length}</span>
                          </span>
                        ))
                      )}
                    </td>
                    <td>
                      {s.workloads.map((w) => (
                        <div key={w.name} className="mono small" data-testid="workload">
                          {w.name}
                        </div>
                      ))}
                    </td>
                    <td>
                      <span className={ready === endpoints.length && ready > 0 ? "ok" : "warn"}>
                        {ready}/{endpoints.length} ready
                      </span>
                    </td>
                  </tr>
                  {open && (
                    <tr id={detailsId} className="details-row">
                      <td />
                      <td colSpan={6}>
                        {endpoints.length === 0 ? (
                          <p className="muted">No endpoints: no running pod matches this service&apos;s selector.</p>
                        ) : (
                          <table className="table table-inner" aria-label={`Endpoints of ${s.name}`}>
                            <thead>
                              <tr>
                                <th scope="col">Pod</th>
                                <th scope="col">Address</th>
                                <th scope="col">Subset</th>
                                <th scope="col">Workload</th>
                                <th scope="col">Ready</th>
                              </tr>
                            </thead>
                            <tbody>
                              {endpoints.map((e) => (
                                <tr key={e.pod}>
                                  <td className="mono">{e.pod}</td>
                                  <td className="mono">{e.ports.map((p) => `${e.address}:${p.port}`).join(", ")}</td>
                                  <td>{e.labels.version ?? <span className="muted">none</span>}</td>
                                  <td className="mono">{e.workload}</td>
                                  <td>{e.ready ? <span className="ok">ready</span> : <span className="warn">not ready</span>}</td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        )}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function allEndpoints(s: ServiceView) {
  return [...s.subsets.flatMap((x) => x.endpoints), ...s.unversionedEndpoints];
}
