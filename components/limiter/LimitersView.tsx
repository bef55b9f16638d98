"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import type { DescriptorResult } from "@/server/limiter/evaluate";
import type { SmartLimiterSpec } from "@/server/limiter/schema";
import { getJson } from "../api";
import { useCan, useMe } from "../auth/hooks";
import { sendJson } from "../api-write";
import { download } from "../download";
import { YamlDiff } from "../traffic/YamlDiff";
import { newForm, specToForm } from "./form";
import { LimiterEditor } from "./LimiterEditor";
import { LoadError, Loading } from "../QueryStates";

interface LimiterRow {
  id: string;
  namespace: string;
  name: string;
  revision: number;
  author: string;
  message: string;
  updatedAt: string;
  spec: SmartLimiterSpec;
  yaml: string;
  status: {
    current: boolean;
    evaluatedAt: string | null;
    metrics: Record<string, number>;
    descriptors: DescriptorResult[];
    problems: string[];
    envoyFilters: string[];
    envoyFiltersYaml: string;
    changedAt: string | null;
    diff: string;
  } | null;
  /** Sidecars of its pods connected here that hold their inbound listener (where the local limit rides). */
  enforcedBy: string[];
  /** Calls refused by a rate limit, per minute over the last minute; null when no traffic source can tell. */
  refusedPerMinute: number | null;
}

interface LimiterList {
  intervalSeconds: number;
  lastCycle: { at: string; ms: number; limiters: number; error?: string } | null;
  limiters: LimiterRow[];
}

const TEMPLATE = `apiVersion: microservice.slime.io/v1alpha2
kind: SmartLimiter
metadata:
  name: reviews
  namespace: default
spec:
  sets:
    _base:
      descriptor:
      - action:
          fill_interval:
            seconds: 60
          quota: "100/{{._base.pod}}"
          strategy: average
        condition: "{{._base.rps}} > 5"
        target:
          port: 9080
`;

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, ""));

/** Every SmartLimiter with its live status; create, import, edit, export, delete, history. */
export function LimitersView() {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ["limiters"], queryFn: ({ signal }) => getJson<LimiterList>("/api/limiters", signal), refetchInterval: 5000 });
  const [open, setOpen] = useState<string | undefined>();
  const [editing, setEditing] = useState<{ key: string; row?: LimiterRow; yaml?: boolean } | undefined>();
  const evaluate = useMutation({
    mutationFn: () => sendJson("POST", "/api/limiters/evaluate", {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["limiters"] }),
  });
  const rows = list.data?.limiters ?? [];
  // Evaluating all and importing span namespaces: operators of every namespace. A namespace-limited
  // operator creates limiters in its namespaces (the editor names the namespace; the server checks it).
  const canOperate = useCan("operate");
  const me = useMe();
  const canCreate = canOperate || (me.data?.user?.role !== "viewer" && (me.data?.user?.namespaces?.length ?? 0) > 0);
  const editorFor = (row?: LimiterRow, yaml = false) => {
    const parsed = row ? specToForm(row.namespace, row.name, row.spec) : { form: newForm() };
    return (
      <LimiterEditor
        key={editing?.key}
        initialForm={"form" in parsed ? parsed.form : undefined}
        formNote={"reason" in parsed ? parsed.reason : undefined}
        initialYaml={row?.yaml ?? TEMPLATE}
        startInYaml={yaml || !("form" in parsed)}
        revision={row?.revision ?? 0}
        onDone={() => setEditing(undefined)}
      />
    );
  };
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Rate limits</h1>
        {list.data && <span className="muted">{rows.length} SmartLimiter{rows.length === 1 ? "" : "s"}</span>}
        <div className="spacer" />
        {list.data && (
          <span className="muted small" data-testid="last-cycle">
            Evaluated every {list.data.intervalSeconds} s{list.data.lastCycle ? `; last ${new Date(list.data.lastCycle.at).toLocaleTimeString()} (${list.data.lastCycle.ms} ms)` : ""}
          </span>
        )}
        {canOperate && (
          <>
            <button type="button" className="button" onClick={() => evaluate.mutate()} disabled={evaluate.isPending}>
              {evaluate.isPending ? "Evaluating…" : "Evaluate now"}
            </button>
            <button type="button" className="button" onClick={() => setEditing({ key: `import-${Date.now()}`, yaml: true })}>
              Import YAML
            </button>
          </>
        )}
        {canCreate && (
          <button type="button" className="button button-primary" onClick={() => setEditing({ key: `new-${Date.now()}` })}>
            New limiter
          </button>
        )}
      </header>
      {list.data?.lastCycle?.error && <div className="alert" role="alert">Last evaluation failed: {list.data.lastCycle.error}</div>}
      {editing && !editing.row && editorFor(undefined, editing.yaml)}
      {list.isPending ? (
        <Loading what="SmartLimiters" />
      ) : list.error ? (
        <LoadError what="SmartLimiters" error={list.error} />
      ) : rows.length === 0 ? (
        <div className="empty" role="status">
          <h2>No SmartLimiters yet</h2>
          <p>A SmartLimiter limits a service&apos;s requests, per pod or shared, when a condition on its metrics holds (Slime&apos;s format). Create one with the form, or import Slime YAML.</p>
        </div>
      ) : (
        <table className="table limiters-table" aria-label="SmartLimiters">
          <thead>
            <tr>
              <th scope="col"><span className="visually-hidden">Details</span></th>
              <th scope="col">Limiter</th>
              <th scope="col">Condition</th>
              <th scope="col">Current quota</th>
              <th scope="col">Metric values</th>
              <th scope="col">EnvoyFilters</th>
              <th scope="col">Enforced</th>
              <th scope="col">Last evaluation</th>
              <th scope="col">Revision</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const s = r.status;
              const expanded = open === r.id;
              return (
                <Fragment key={r.id}>
                  <tr data-testid={`limiter-${r.namespace}-${r.name}`}>
                    <td>
                      <button type="button" className="expander" aria-expanded={expanded} aria-label={`${expanded ? "Hide" : "Show"} ${r.namespace}/${r.name}`} onClick={() => setOpen(expanded ? undefined : r.id)}>
                        {expanded ? "▾" : "▸"}
                      </button>
                    </td>
                    <td className="strong">{r.namespace}/{r.name}</td>
                    <td data-testid="condition">
                      {!s ? <span className="muted">not evaluated yet</span> : s.descriptors.map((d) => (
                        <span key={`${d.set}-${d.index}`} className={d.error ? "bad" : d.condition ? "ok" : "muted"} title={d.error ?? ""}>
                          {d.set}[{d.index}] {d.error ? "error" : String(d.condition)}{" "}
                        </span>
                      ))}
                    </td>
                    <td data-testid="quota">
                      {s?.descriptors.map((d) => (
                        <div key={`${d.set}-${d.index}`} className="small">
                          {d.quota === null ? "–" : `${fmt(d.quota)} ${d.strategy === "global" ? "in total" : "per pod"}`}
                          {d.bucket && <span className="muted" title={d.note ?? ""}> (bucket: {d.bucket.tokens_per_fill} per {fmt(d.bucket.fill_interval)} s)</span>}
                          {d.global && <span className="muted"> ({d.global.requests_per_unit} per {d.global.unit.toLowerCase()})</span>}
                        </div>
                      ))}
                    </td>
                    <td>
                      {Object.entries(s?.metrics ?? {}).map(([k, v]) => (
                        <span key={k} className="chip" title={k}>{k} = {fmt(v)}</span>
                      ))}
                      {s?.problems.length ? <span className="warn small" title={s.problems.join("\n")}>{s.problems.length} problem{s.problems.length > 1 ? "s" : ""}</span> : null}
                    </td>
                    <td data-testid="envoyfilters">{s?.envoyFilters.length ? s.envoyFilters.join(", ") : <span className="muted">none</span>}</td>
                    <td data-testid="enforced" className="small">
                      {r.enforcedBy.length ? (
                        <span title={r.enforcedBy.join("\n")}>by {r.enforcedBy.length} connected sidecar{r.enforcedBy.length > 1 ? "s" : ""}</span>
                      ) : (
                        <span className="warn" title="Sextant generated the EnvoyFilters; apply them to an Istio mesh, or connect these pods' sidecars to Sextant's xDS server, for the limit to bite">no connected sidecar enforces it</span>
                      )}
                      {r.refusedPerMinute !== null && (
                        <div data-testid="refused" className={r.refusedPerMinute > 0 ? "bad" : "muted"}>
                          {r.refusedPerMinute} refused / min
                        </div>
                      )}
                    </td>
                    <td className="small">{s?.evaluatedAt ? new Date(s.evaluatedAt).toLocaleTimeString() : "–"}{s && !s.current && <span className="warn"> (older revision)</span>}</td>
                    <td>{r.revision}</td>
                  </tr>
                  {expanded && (
                    <tr>
                      <td colSpan={9}>
                        {editing?.row?.id === r.id ? editorFor(r, editing.yaml) : <LimiterDetails row={r} onEdit={(yaml) => setEditing({ key: `${r.id}-${r.revision}`, row: r, yaml })} />}
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

function LimiterDetails({ row, onEdit }: { row: LimiterRow; onEdit: (yaml: boolean) => void }) {
  const queryClient = useQueryClient();
  const [history, setHistory] = useState(false);
  const revisions = useQuery({
    queryKey: ["limiter-history", row.id, row.revision],
    enabled: history,
    queryFn: ({ signal }) => getJson<{ revisions: { number: number; author: string; message: string; createdAt: string; yaml: string }[] }>(`/api/intents/${row.id}/revisions`, signal),
  });
  const [compare, setCompare] = useState<number | undefined>();
  const diff = useQuery({
    queryKey: ["limiter-diff", row.id, compare, row.revision],
    enabled: compare !== undefined,
    queryFn: ({ signal }) => getJson<{ renderedDiff: string }>(`/api/intents/${row.id}/diff?from=${compare}&to=${row.revision}`, signal),
  });
  const remove = useMutation({
    mutationFn: () => sendJson("DELETE", `/api/limiters/${row.id}?expectedRevision=${row.revision}`, undefined),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["limiters"] }),
  });
  const s = row.status;
  return (
    <div className="card" data-testid="limiter-details">
      <div className="toolbar">
        <button type="button" className="button" onClick={() => onEdit(false)}>Edit</button>
        <button type="button" className="button" onClick={() => onEdit(true)}>Edit YAML</button>
        <button type="button" className="button" onClick={() => download(new Blob([row.yaml], { type: "application/yaml" }), `${row.namespace}-${row.name}.smartlimiter.yaml`)}>Export YAML</button>
        <button type="button" className="button" onClick={() => setHistory(!history)} aria-expanded={history}>History</button>
        <div className="spacer" />
        <button
          type="button"
          className="button"
          disabled={remove.isPending}
          onClick={() => {
            if (window.confirm(`Delete SmartLimiter ${row.namespace}/${row.name} and its history? Its EnvoyFilters go at once.`)) remove.mutate();
          }}
        >
          Delete
        </button>
      </div>
      {remove.error && <div className="alert" role="alert">{remove.error.message}</div>}
      {s?.problems.length ? (
        <div className="alert" role="alert">
          Problems (metrics that could not be read, or nothing to select):
          <ul className="findings">{s.problems.map((p) => <li key={p}>{p}</li>)}</ul>
        </div>
      ) : null}
      {s && (
        <table className="table table-inner" aria-label="Descriptors">
          <thead>
            <tr><th scope="col">Descriptor</th><th scope="col">Strategy</th><th scope="col">Condition</th><th scope="col">Quota</th><th scope="col">In Envoy</th><th scope="col">Note</th></tr>
          </thead>
          <tbody>
            {s.descriptors.map((d) => (
              <tr key={`${d.set}-${d.index}`}>
                <td><code>{d.set}[{d.index}]</code> <span className="muted small">{d.id}</span></td>
                <td>{d.strategy}</td>
                <td>{d.condition === null ? "–" : String(d.condition)}</td>
                <td>{d.quota === null ? "–" : fmt(d.quota)}</td>
                <td className="small">{d.bucket ? `${d.bucket.max_tokens} tokens, +${d.bucket.tokens_per_fill} every ${fmt(d.bucket.fill_interval)} s` : d.global ? `${d.global.requests_per_unit} per ${d.global.unit.toLowerCase()} (rate limit service)` : "–"}</td>
                <td className={d.error ? "bad small" : "small"}>{d.error ?? d.note ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="preview-grid">
        <div>
          <h3>Generated EnvoyFilters</h3>
          {s?.envoyFiltersYaml ? <pre className="code" data-testid="envoyfilter-yaml">{s.envoyFiltersYaml}</pre> : <p className="muted small">None in force: no descriptor&apos;s condition holds (or none could be evaluated).</p>}
        </div>
        <div>
          <h3>Last change{s?.changedAt ? ` (${new Date(s.changedAt).toLocaleString()})` : ""}</h3>
          <YamlDiff diff={s?.diff ?? ""} empty="No change since Sextant started evaluating it." />
        </div>
      </div>
      {history && (
        <div>
          <h3>History</h3>
          {revisions.isPending ? <Loading /> : revisions.error ? <LoadError error={revisions.error} /> : (
            <ul className="findings">
              {revisions.data.revisions.map((v) => (
                <li key={v.number}>
                  Revision {v.number} by {v.author} at {new Date(v.createdAt).toLocaleString()}{v.message ? `: ${v.message}` : ""}
                  {v.number !== row.revision && <button type="button" className="button button-small" onClick={() => setCompare(v.number)}>Diff with current</button>}
                </li>
              ))}
            </ul>
          )}
          {compare !== undefined && (diff.isPending ? <Loading what="the diff" /> : diff.error ? <LoadError what="the diff" error={diff.error} /> : <YamlDiff diff={diff.data.renderedDiff} empty="Same YAML." />)}
        </div>
      )}
    </div>
  );
}
