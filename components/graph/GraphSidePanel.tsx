"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { Graph, GraphEdge, GraphNode, Latency } from "@/server/metrics/graph/types";
import { getJson, queryKeys } from "../api";
import type { Selection } from "./CytoscapeGraph";
import { formatBytes, formatRate } from "./elements";
import { HEALTH_COLORS } from "./styles";
import { Sparkline } from "./Sparkline";

/** Details of the selected node or edge: rates, errors, latency, response codes, recent history. */
export function GraphSidePanel({ graph, selection, duration, refreshMs, onClose }: { graph: Graph; selection: Selection; duration: string; refreshMs: number | false; onClose(): void }) {
  const node = selection.kind === "node" ? graph.nodes.find((n) => n.id === selection.id) : undefined;
  const edge = selection.kind === "edge" ? graph.edges.find((e) => e.id === selection.id) : undefined;
  const series = useQuery({
    queryKey: queryKeys.graphSeries(selection.id, 10),
    queryFn: ({ signal }) => getJson<{ points: { t: number; rps: number; errorRps: number }[] }>(`/api/graph/series?id=${encodeURIComponent(selection.id)}&minutes=10`, signal),
    refetchInterval: refreshMs,
  });
  // Latency of just this node or edge: a targeted query, cheap even on a large mesh.
  const latency = useQuery({
    queryKey: queryKeys.graphLatency(selection.id, duration),
    queryFn: ({ signal }) => getJson<{ latency: Latency }>(`/api/graph/latency?id=${encodeURIComponent(selection.id)}&duration=${duration}`, signal),
    refetchInterval: refreshMs,
    enabled: !(edge && edge.protocol === "tcp"),
  });
  const label = (id: string) => graph.nodes.find((n) => n.id === id)?.label ?? id;
  if (!node && !edge) {
    return (
      <aside className="side-panel" aria-label="Selection details">
        <p className="muted">The selected item is no longer in the graph.</p>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </aside>
    );
  }
  const target = node ?? graph.nodes.find((n) => n.id === edge!.target);
  const serviceLink = target && target.kind !== "unknown" ? `/services?namespace=${encodeURIComponent(target.namespace)}&q=${encodeURIComponent(target.service ?? target.app ?? target.workload ?? target.label)}` : undefined;
  return (
    <aside className="side-panel" aria-label="Selection details" data-testid="side-panel">
      <header className="side-header">
        <div>
          <div className="muted small">{node ? kindName(node) : `${edge!.protocol.toUpperCase()} edge`}</div>
          <h2>{node ? node.label : `${label(edge!.source)} → ${label(edge!.target)}`}</h2>
        </div>
        <button type="button" className="button button-small" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </header>
      <HealthLine health={(node ?? edge)!.health} />
      {node ? <NodeFacts node={node} /> : <EdgeFacts edge={edge!} />}
      {!(edge && edge.protocol === "tcp") && (
        <dl className="facts">
          <dt>{node ? "Inbound latency p50 / p95 / p99" : "Latency p50 / p95 / p99"}</dt>
          <dd data-testid="latency">{latency.data ? formatLatency(latency.data.latency) : latency.error ? latency.error.message : "loading…"}</dd>
          <dt>Average latency</dt>
          <dd>{latency.data ? ms(latency.data.latency.avg) : "…"}</dd>
        </dl>
      )}
      <h3>Last 10 minutes</h3>
      {series.isPending ? <p className="muted small">Loading history…</p> : series.error ? <p className="alert small">{series.error.message}</p> : <Sparkline points={series.data.points} />}
      {serviceLink && (
        <p>
          <Link href={serviceLink}>Open {target!.service ?? target!.app ?? target!.label} on the Services page →</Link>
        </p>
      )}
    </aside>
  );
}

function kindName(n: GraphNode): string {
  const k = { workload: "Workload", app: "App", versionedApp: "App version", service: "Service", unknown: "Unknown source or destination", box: "Group" }[n.kind];
  return n.namespace === "unknown" ? k : `${k} in ${n.namespace}`;
}

function HealthLine({ health }: { health: string }) {
  const text = { healthy: "Healthy", degraded: "Degraded", failure: "Failing", idle: "Idle: no traffic in the window", na: "No inbound requests to judge health by" }[health] ?? health;
  return (
    <p className="health-line" data-testid="panel-health">
      <span className="dot" style={{ background: HEALTH_COLORS[health] }} aria-hidden="true" /> {text}
    </p>
  );
}

function NodeFacts({ node }: { node: GraphNode }) {
  const t = node.traffic;
  return (
    <dl className="facts">
      {node.app && <Fact name="App" value={node.app} />}
      {node.version && <Fact name="Version" value={node.version} />}
      {node.workload && <Fact name="Workload" value={node.workload} />}
      <Fact name="Inbound" value={`${t.inRps.toFixed(2)} rps`} />
      <Fact name="Outbound" value={`${t.outRps.toFixed(2)} rps`} />
      <Fact name="Inbound errors" value={`${t.inErrorPercent}%`} />
      <Fact name="5xx / 4xx / gRPC" value={`${t.in5xxPercent}% / ${t.in4xxPercent}% / ${t.inGrpcErrorPercent}%`} />
      {(t.tcpInBps > 0 || t.tcpOutBps > 0) && <Fact name="TCP in / out" value={`${formatBytes(t.tcpInBps)}/s / ${formatBytes(t.tcpOutBps)}/s`} />}
    </dl>
  );
}

const ms = (v: number | null) => (v === null ? "—" : `${v.toFixed(1)} ms`);
const formatLatency = (l: Latency) => `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`;

function EdgeFacts({ edge }: { edge: GraphEdge }) {
  const codes = Object.entries(edge.responseCodes);
  return (
    <>
      <dl className="facts">
        <Fact name="Rate" value={formatRate(edge)} testId="edge-rate" />
        <Fact name="Share of source's traffic" value={`${edge.percent}%`} />
        {edge.protocol !== "tcp" && (
          <>
            <Fact name="Errors" value={`${edge.errorPercent}%`} testId="edge-errors" />
            <Fact name="5xx / 4xx / gRPC" value={`${edge.http5xxPercent}% / ${edge.http4xxPercent}% / ${edge.grpcErrorPercent}%`} />
          </>
        )}
        {edge.protocol === "tcp" && <Fact name="Received" value={`${formatBytes(edge.tcpReceivedBps)}/s`} />}
        <Fact name="Reported by" value={edge.reporter} />
      </dl>
      {codes.length > 0 && (
        <table className="table table-compact" aria-label="Response codes">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">rps</th>
              <th scope="col">share</th>
            </tr>
          </thead>
          <tbody>
            {codes.map(([code, rps]) => (
              <tr key={code}>
                <td className={Number(code) >= 500 ? "bad" : Number(code) >= 400 ? "warn" : ""}>{code}</td>
                <td>{rps.toFixed(2)}</td>
                <td>{edge.rps > 0 ? ((rps / edge.rps) * 100).toFixed(1) : "0"}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {Object.keys(edge.grpcCodes).length > 0 && (
        <p className="muted small">
          gRPC status:{" "}
          {Object.entries(edge.grpcCodes)
            .map(([c, v]) => `${c}: ${v.toFixed(2)} rps`)
            .join(", ")}
        </p>
      )}
    </>
  );
}

function Fact({ name, value, testId }: { name: string; value: string; testId?: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd data-testid={testId}>{value}</dd>
    </>
  );
}
