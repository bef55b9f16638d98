import type { ElementDefinition } from "cytoscape";
import type { Graph, GraphEdge, GraphNode } from "@/server/metrics/graph/types";
import { edgeBadgeKinds, glyphs } from "./badges";
import type { Findable } from "./find";

/** Graph JSON -> cytoscape elements, with the label each edge shows in the chosen mode. */
export type EdgeLabelMode = "rate" | "percent" | "p95" | "none";

export const EDGE_LABEL_MODES: Record<EdgeLabelMode, string> = { rate: "Request rate", percent: "Traffic share", p95: "p95 latency", none: "No labels" };

export function formatRate(e: Pick<GraphEdge, "protocol" | "rps" | "tcpSentBps">): string {
  if (e.protocol === "tcp") return formatBytes(e.tcpSentBps) + "/s";
  return `${e.rps >= 10 ? e.rps.toFixed(1) : e.rps.toFixed(2)} rps`;
}

export function formatBytes(b: number): string {
  if (b >= 1e6) return `${(b / 1e6).toFixed(1)} MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(1)} kB`;
  return `${Math.round(b)} B`;
}

export function edgeLabel(e: GraphEdge, mode: EdgeLabelMode): string {
  if (e.isIdle) return "";
  switch (mode) {
    case "rate":
      return formatRate(e) + (e.errorPercent > 0 ? ` · ${e.errorPercent}% err` : "");
    case "percent":
      return `${e.percent}%`;
    case "p95":
      return e.latency.p95 === null ? "" : `${Math.round(e.latency.p95)} ms`;
    case "none":
      return "";
  }
}

export function toElements(graph: Graph, mode: EdgeLabelMode, badges: Map<string, string[]> = new Map()): ElementDefinition[] {
  const maxRps = Math.max(1, ...graph.edges.map((e) => e.rps));
  const edgeMark = (e: GraphEdge) => glyphs(edgeBadgeKinds(badges.get(e.target)));
  return [
    ...graph.nodes.map((n) => ({ group: "nodes" as const, data: { ...nodeData(n), ...(badges.get(n.id) ? { label: `${n.label}\n${glyphs(badges.get(n.id)!)}`, badges: badges.get(n.id)!.join(",") } : {}) } })),
    ...graph.edges.map((e) => ({
      group: "edges" as const,
      data: {
        id: e.id,
        source: e.source,
        target: e.target,
        health: e.health,
        protocol: e.protocol,
        isIdle: e.isIdle ?? false,
        label: [edgeMark(e), edgeLabel(e, mode)].filter(Boolean).join(" "),
        width: e.protocol === "tcp" ? 2 : 1.5 + 3.5 * (Math.log1p(e.rps) / Math.log1p(maxRps)),
      },
    })),
  ];
}

function nodeData(n: GraphNode) {
  return {
    id: n.id,
    ...(n.parent ? { parent: n.parent } : {}),
    label: n.label,
    kind: n.kind,
    health: n.health,
    boxType: n.boxType ?? "",
    isIdle: n.isIdle ?? false,
    isIngress: n.isIngress ?? false,
    isOutside: n.isOutside ?? false,
  };
}

export function findableNode(n: GraphNode): Findable {
  return {
    kind: "node",
    name: n.label,
    namespace: n.namespace,
    app: n.app,
    version: n.version,
    workload: n.workload,
    service: n.service,
    nodeKind: n.kind,
    health: n.health,
    rps: n.traffic.inRps,
    error: n.traffic.inErrorPercent,
    http5xx: n.traffic.in5xxPercent,
    http4xx: n.traffic.in4xxPercent,
    grpcError: n.traffic.inGrpcErrorPercent,
    idle: n.isIdle,
  };
}

export function findableEdge(e: GraphEdge, labels: Map<string, string>): Findable {
  return {
    kind: "edge",
    name: `${labels.get(e.source) ?? e.source} → ${labels.get(e.target) ?? e.target}`,
    health: e.health,
    protocol: e.protocol,
    rps: e.rps,
    error: e.errorPercent,
    http5xx: e.http5xxPercent,
    http4xx: e.http4xxPercent,
    grpcError: e.grpcErrorPercent,
    p50: e.latency.p50,
    p95: e.latency.p95,
    p99: e.latency.p99,
    percent: e.percent,
    idle: e.isIdle,
  };
}
