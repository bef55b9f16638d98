"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { getJson } from "./api";
import { ProxyConfig } from "./ProxyConfig";
import { LoadError, Loading } from "./QueryStates";

type Proxies = {
  server: { port: number; lastBuild?: { at: string; error?: string; versions?: Record<string, string> } };
  proxies: {
    streamId: number;
    nodeId: string;
    client: "proxyless" | "envoy";
    userAgent: string;
    backlogBytes: number;
    node: { kind: string; ip?: string; pod?: string; namespace?: string };
    cluster: string;
    connectedAt: string;
    types: { type: string; state: "SYNCED" | "STALE" | "NACKED" | "NOT SENT"; sentVersion: string | null; ackedVersion: string | null; error: string | null; rejected: { name: string; message: string }[]; lastPush: string | null }[];
  }[];
};

const TYPES = ["listener", "route", "cluster", "endpoint"] as const;

/** How a proxy is named on the page: its pod (pod.namespace) when its node id says, else the node id. */
function proxyName(p: Proxies["proxies"][number] | undefined): string | undefined {
  return p && (p.node.pod ? `${p.node.pod}.${p.node.namespace}` : p.nodeId);
}

/** What kind of proxy it is, as the page says it: proxyless gRPC, a demo workload's sidecar (inbound), or Envoy. */
function clientLabel(p: Proxies["proxies"][number]): string {
  if (p.client === "proxyless") return "proxyless gRPC";
  if (p.userAgent === "sextant-demo-workload") return "demo workload sidecar (inbound: rate limits)";
  return p.userAgent ? `Envoy (${p.userAgent})` : "Envoy";
}

/** The newest push to a proxy across its types, as a local time; undefined when nothing was pushed. */
function lastPush(types: Proxies["proxies"][number]["types"]): string | undefined {
  const newest = types.reduce<string | null>((a, t) => (t.lastPush && (!a || t.lastPush > a) ? t.lastPush : a), null);
  return newest ? new Date(newest).toLocaleTimeString() : undefined;
}

/** Proxies connected to Sextant's xDS server, like `istioctl proxy-status`, and what each was sent. */
export function ProxiesView() {
  const q = useQuery({ queryKey: ["proxies"], queryFn: ({ signal }) => getJson<Proxies>("/api/proxies", signal), refetchInterval: 2000 });
  const [selected, setSelected] = useState<number | null>(null);

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Proxies</h1>
        {q.data && <span className="muted">{q.data.proxies.length} connected · xDS on port {q.data.server.port}</span>}
      </header>
      {q.data?.server.lastBuild?.error && <div className="alert" role="alert">The latest configuration was not published: {q.data.server.lastBuild.error}</div>}
      {q.isPending ? (
        <Loading what="proxies" />
      ) : q.error ? (
        <LoadError what="proxies" error={q.error} />
      ) : q.data.proxies.length === 0 ? (
        <div className="empty" role="status">
          <h2>No proxy is connected</h2>
          <p>Point an Envoy sidecar or a proxyless gRPC client (GRPC_XDS_BOOTSTRAP) at this server&apos;s ADS port, {q.data.server.port}.</p>
        </div>
      ) : (
        <table className="table" aria-label="Proxies">
          <thead>
            <tr>
              <th scope="col">Proxy</th>
              <th scope="col">Cluster</th>
              {TYPES.map((t) => <th scope="col" key={t}>{t === "listener" ? "LDS" : t === "route" ? "RDS" : t === "cluster" ? "CDS" : "EDS"}</th>)}
              <th scope="col">Last push</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {q.data.proxies.map((p) => (
              <tr key={p.streamId} data-testid={`proxy-${p.nodeId}`}>
                <td>
                  <div className="mono small">{proxyName(p)}</div>
                  <div className="muted small">{clientLabel(p)}{p.node.ip ? ` · ${p.node.ip}` : ""} · since {new Date(p.connectedAt).toLocaleTimeString()}</div>
                  {p.backlogBytes > 1024 * 1024 && (
                    <div className="small warn" title="Responses written to this proxy that it has not read yet; pushes to it wait until it catches up">
                      not reading: {(p.backlogBytes / 2 ** 20).toFixed(1)} MiB waiting
                    </div>
                  )}
                </td>
                <td className="small">{p.cluster}</td>
                {p.types.map((t) => (
                  <td key={t.type} data-testid={`sync-${t.type}`} title={t.error ?? (t.lastPush ? `last push ${new Date(t.lastPush).toLocaleTimeString()}` : "")}>
                    <span className={t.state === "SYNCED" ? "ok" : t.state === "NACKED" ? "bad" : "warn"}>{t.state}</span>
                    {t.sentVersion && <div className="mono small muted">{t.sentVersion.slice(0, 8)}</div>}
                    {t.state === "NACKED" && t.rejected.length > 0 ? (
                      <ul className="small bad" aria-label={`${t.type} resources rejected`}>
                        {t.rejected.map((r) => (
                          <li key={r.name}>
                            <span className="mono">{r.name}</span>: {r.message}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      t.error && <div className="small bad">{t.error}</div>
                    )}
                  </td>
                ))}
                <td className="small" data-testid="last-push">{lastPush(p.types) ?? <span className="muted">never</span>}</td>
                <td>
                  <button type="button" className="button button-small" onClick={() => setSelected(selected === p.streamId ? null : p.streamId)} aria-pressed={selected === p.streamId}>
                    Config
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected !== null && <ProxyConfig key={selected} streamId={selected} name={proxyName(q.data?.proxies.find((p) => p.streamId === selected)) ?? `stream ${selected}`} />}
    </section>
  );
}
