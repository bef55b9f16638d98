"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { IntentView } from "@/server/intents/service";
import type { Graph } from "@/server/metrics/graph/types";
import { INTENT_KIND_LABELS } from "@/server/intents/schemas";
import { getJson, queryKeys } from "./api";
import { LoadError, Loading } from "./QueryStates";

type Proxy = { streamId: number; nodeId: string; node: { pod?: string; namespace?: string }; types: { type: string; state: string; error: string | null }[] };
const HEALTH_ORDER = ["failure", "degraded", "healthy", "idle", "na"] as const;

/**
 * The home page: how the mesh is doing at a glance. Services by health, the
 * edges with the most errors, the latest changes, and proxies that are not
 * in sync; each links to where it can be looked at or acted on.
 */
export function Overview() {
  const p = { namespaces: [] as string[], graphType: "service", duration: "5m", idle: true, responseTime: "none" };
  const graph = useQuery({ queryKey: queryKeys.graph(p), queryFn: ({ signal }) => getJson<Graph>("/api/graph?graphType=service&duration=5m&idle=true", signal), refetchInterval: 15_000 });
  const intents = useQuery({ queryKey: queryKeys.intents(), queryFn: ({ signal }) => getJson<{ intents: IntentView[] }>("/api/intents", signal) });
  const proxies = useQuery({ queryKey: queryKeys.proxies(), queryFn: ({ signal }) => getJson<{ proxies: Proxy[] }>("/api/proxies", signal), refetchInterval: 5000 });

  const services = (graph.data?.nodes ?? []).filter((n) => n.kind === "service");
  const byHealth = HEALTH_ORDER.map((h) => [h, services.filter((n) => n.health === h)] as const).filter(([, ns]) => ns.length > 0);
  const label = (id: string) => graph.data?.nodes.find((n) => n.id === id)?.label ?? id;
  const errorEdges = (graph.data?.edges ?? []).filter((e) => e.rps > 0 && e.errorPercent > 0).sort((a, b) => b.errorPercent * b.rps - a.errorPercent * a.rps).slice(0, 5);
  const recent = [...(intents.data?.intents ?? [])].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1)).slice(0, 6);
  const unsynced = (proxies.data?.proxies ?? []).filter((x) => x.types.some((t) => t.state === "STALE" || t.state === "NACKED"));

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Overview</h1>
        {graph.data && <span className="muted small">last 5 minutes · {graph.data.source.kind === "prometheus" ? "Prometheus" : "demo telemetry"}</span>}
      </header>
      <div className="facts-grid">
        <section className="card" aria-labelledby="ov-health" data-testid="overview-health">
          <h2 id="ov-health">Services by health</h2>
          {graph.isPending ? <Loading what="health" /> : graph.error ? <LoadError what="health" error={graph.error} /> : services.length === 0 ? <p className="muted">No services yet.</p> : (
            <ul className="plain-list">
              {byHealth.map(([h, ns]) => (
                <li key={h}>
                  <span className={`health health-${h}`}>{h}</span> {ns.length}:{" "}
                  {ns.map((n, i) => (
                    <span key={n.id}>
                      {i > 0 ? ", " : ""}
                      <Link href={`/services/${n.namespace}/${n.service ?? n.label}`}>{n.label}</Link>
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="ov-errors" data-testid="overview-errors">
          <h2 id="ov-errors">Top error edges</h2>
          {graph.isPending ? <Loading what="edges" /> : errorEdges.length === 0 ? <p className="muted">No errors in the last 5 minutes.</p> : (
            <table className="table table-compact" aria-label="Edges with the most errors">
              <tbody>
                {errorEdges.map((e) => (
                  <tr key={e.id}>
                    <td>{label(e.source)} → {label(e.target)}</td>
                    <td className="bad">{e.errorPercent}%</td>
                    <td className="muted small">{e.rps.toFixed(2)} req/s</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="small"><Link href="/graph?graphType=service">Open the graph</Link></p>
        </section>
        <section className="card" aria-labelledby="ov-changes" data-testid="overview-changes">
          <h2 id="ov-changes">Recent changes</h2>
          {intents.isPending ? <Loading what="changes" /> : recent.length === 0 ? <p className="muted">No intent applied yet.</p> : (
            <ul className="plain-list">
              {recent.map((i) => (
                <li key={i.id}>
                  <Link href={`/services/${i.namespace}/${i.target}`}>{i.target}</Link>: {INTENT_KIND_LABELS[i.kind]} revision {i.revision}{" "}
                  <span className="muted small">by {i.author}, {new Date(i.updatedAt).toLocaleString()}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="ov-proxies" data-testid="overview-proxies">
          <h2 id="ov-proxies">Proxies not in sync</h2>
          {proxies.isPending ? <Loading what="proxies" /> : proxies.error ? <LoadError what="proxies" error={proxies.error} /> : unsynced.length === 0 ? (
            <p className="ok">All {proxies.data.proxies.length} connected proxies are in sync.</p>
          ) : (
            <ul className="plain-list">
              {unsynced.map((x) => (
                <li key={x.streamId}>
                  <span className="mono small">{x.node.pod ? `${x.node.pod}.${x.node.namespace}` : x.nodeId}</span>:{" "}
                  {x.types.filter((t) => t.state === "STALE" || t.state === "NACKED").map((t) => `${t.type} ${t.state}`).join(", ")}
                </li>
              ))}
            </ul>
          )}
          <p className="small"><Link href="/proxies">All proxies</Link></p>
        </section>
      </div>
    </section>
  );
}
