"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type IntentClusterState, useCluster } from "./cluster/hooks";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import type { IntentView } from "@/server/intents/service";
import { INTENT_KINDS, INTENT_KIND_LABELS } from "@/server/intents/schemas";
import { getJson } from "./api";
import { LoadError, Loading } from "./QueryStates";

/** Every intent, filterable by namespace, service and kind, with its validation status. */
export function IntentsView() {
  const cluster = useCluster();
  // Shown when a cluster is configured: what auto-apply did with each intent's revision.
  const clusterStates = cluster.data?.configured ? cluster.data.autoApply.intents : undefined;
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filter = { namespace: params.get("namespace") ?? "", target: params.get("target") ?? "", kind: params.get("kind") ?? "" };
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params.toString());
    if (v) next.set(k, v);
    else next.delete(k);
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  };
  const all = useQuery({ queryKey: ["intents", {}], queryFn: ({ signal }) => getJson<{ intents: IntentView[] }>("/api/intents", signal), refetchInterval: 15_000 });
  const rows = (all.data?.intents ?? []).filter((i) => (!filter.namespace || i.namespace === filter.namespace) && (!filter.target || i.target === filter.target) && (!filter.kind || i.kind === filter.kind));
  const namespaces = [...new Set(all.data?.intents.map((i) => i.namespace))].sort();
  const targets = [...new Set(all.data?.intents.filter((i) => !filter.namespace || i.namespace === filter.namespace).map((i) => i.target))].sort();
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Intents</h1>
        {all.data && <span className="muted" data-testid="intent-count">{rows.length} of {all.data.intents.length}</span>}
        <div className="spacer" />
        <Link href="/objects">Generated objects</Link>
      </header>
      <div className="toolbar">
        <label htmlFor="f-ns">Namespace</label>
        <select id="f-ns" className="input" value={filter.namespace} onChange={(e) => set("namespace", e.target.value)}>
          <option value="">All</option>
          {namespaces.map((n) => <option key={n}>{n}</option>)}
        </select>
        <label htmlFor="f-svc">Service</label>
        <select id="f-svc" className="input" value={filter.target} onChange={(e) => set("target", e.target.value)}>
          <option value="">All</option>
          {targets.map((n) => <option key={n}>{n}</option>)}
        </select>
        <label htmlFor="f-kind">Kind</label>
        <select id="f-kind" className="input" value={filter.kind} onChange={(e) => set("kind", e.target.value)}>
          <option value="">All</option>
          {INTENT_KINDS.map((k) => <option key={k} value={k}>{INTENT_KIND_LABELS[k]}</option>)}
        </select>
      </div>
      {all.isPending ? (
        <Loading what="intents" />
      ) : all.error ? (
        <LoadError what="intents" error={all.error} />
      ) : rows.length === 0 ? (
        <div className="empty" role="status">
          <h2>No intents{all.data.intents.length ? " match these filters" : " yet"}</h2>
          <p>Open a service on the <Link href="/services">Services</Link> page to shift traffic or declare routing, resilience and policy intents.</p>
        </div>
      ) : (
        <table className="table" aria-label="Intents">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Kind</th>
              <th scope="col">Revision</th>
              <th scope="col">By</th>
              <th scope="col">Updated</th>
              <th scope="col">Validation</th>
              {clusterStates && <th scope="col">Cluster</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => {
              const errors = i.findings.filter((f) => f.severity === "error");
              const warnings = i.findings.filter((f) => f.severity === "warning");
              return (
                <tr key={i.id} data-testid={`intent-${i.target}-${i.kind}`}>
                  <td><Link href={`/services/${i.namespace}/${i.target}`}>{i.namespace}/{i.target}</Link></td>
                  <td>{INTENT_KIND_LABELS[i.kind]}</td>
                  <td>{i.revision}</td>
                  <td>{i.author}</td>
                  <td className="small">{new Date(i.updatedAt).toLocaleString()}</td>
                  <td title={i.findings.map((f) => `${f.code}: ${f.message}`).join("\n")}>
                    {errors.length ? <span className="bad">{errors.length} error{errors.length > 1 ? "s" : ""} ({errors.map((e) => e.code).join(", ")})</span> : warnings.length ? <span className="warn">{warnings.length} warning{warnings.length > 1 ? "s" : ""}</span> : <span className="ok">valid</span>}
                  </td>
                  {clusterStates && <td data-testid="cluster-state"><ClusterState s={clusterStates[i.id]} /></td>}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ClusterState({ s }: { s: IntentClusterState | undefined }) {
  if (!s) return <span className="muted small" title="auto-apply is off for this namespace: apply from the Cluster page">by hand</span>;
  if (s.state === "applied") return <span className="ok small">applied at revision {s.revision}</span>;
  if (s.state === "pending") return <span className="warn small">revision {s.revision} pending</span>;
  return <span className="bad small" title={s.error}>failed: {s.error}</span>;
}
