"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { Endpoint } from "@/server/mesh/model";
import { getJson, queryKeys } from "../api";

type Proxy = { streamId: number; client: string; userAgent: string; node: { pod?: string; namespace?: string }; types: { type: string; state: string }[] };

/** Worst sync state of a proxy across its types, as the Proxies page would show it. */
function syncOf(p: Proxy): string {
  const states = p.types.map((t) => t.state);
  return states.includes("NACKED") ? "NACKED" : states.every((s) => s === "SYNCED" || s === "NOT SENT") && states.includes("SYNCED") ? "SYNCED" : states.includes("STALE") ? "STALE" : "NOT SENT";
}

/** The pods behind a service or workload: readiness, and their proxies' sync state on Sextant's xDS server. */
export function PodsCard({ endpoints, showWorkload }: { endpoints: Endpoint[]; showWorkload: boolean }) {
  const proxies = useQuery({ queryKey: queryKeys.proxies(), queryFn: ({ signal }) => getJson<{ proxies: Proxy[] }>("/api/proxies", signal), refetchInterval: 5000 });
  const of = (e: Endpoint) => (proxies.data?.proxies ?? []).filter((p) => p.node.pod === e.pod && p.node.namespace === e.namespace);
  return (
    <section className="card" aria-labelledby="pods-title">
      <h2 id="pods-title">Pods</h2>
      {endpoints.length === 0 ? (
        <p className="muted small">No pods.</p>
      ) : (
        <table className="table table-compact" aria-label="Pods" data-testid="pods">
          <thead>
            <tr>
              <th scope="col">Pod</th>
              {showWorkload && <th scope="col">Workload</th>}
              <th scope="col">Version</th>
              <th scope="col">Ready</th>
              <th scope="col">Proxies (xDS)</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => (
              <tr key={`${e.namespace}/${e.pod}`} data-testid={`pod-${e.pod}`}>
                <td className="mono small">{e.pod}</td>
                {showWorkload && (
                  <td>
                    <Link href={`/workloads/${e.namespace}/${e.workload}`}>{e.workload}</Link>
                  </td>
                )}
                <td>{e.labels.version ?? "–"}</td>
                <td className={e.ready ? "ok" : "bad"}>{e.ready ? "ready" : "not ready"}</td>
                <td className="small" data-testid="pod-proxies">
                  {of(e).length === 0 ? (
                    <span className="muted">not connected</span>
                  ) : (
                    of(e).map((p) => (
                      <div key={p.streamId}>
                        {p.client === "proxyless" ? "proxyless gRPC" : p.userAgent === "sextant-demo-workload" ? "sidecar (inbound)" : "Envoy"}: <span className={syncOf(p) === "SYNCED" ? "ok" : syncOf(p) === "NACKED" ? "bad" : "warn"}>{syncOf(p)}</span>
                      </div>
                    ))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
