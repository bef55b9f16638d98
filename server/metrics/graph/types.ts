/**
 * The service graph as the API returns it. Node and edge ids are stable
 * strings derived from what they stand for, so the same traffic always gives
 * the same graph, and the UI can keep positions across refreshes by id.
 */
export type GraphType = "workload" | "app" | "versionedApp" | "service";
export const GRAPH_TYPES: GraphType[] = ["workload", "app", "versionedApp", "service"];

export type NodeKind = "workload" | "app" | "versionedApp" | "service" | "unknown" | "box";
export type HealthStatus = "healthy" | "degraded" | "failure" | "idle" | "na";
export type Protocol = "http" | "grpc" | "tcp";

export interface NodeTraffic {
  /** Requests per second into the node (HTTP + gRPC). */
  inRps: number;
  outRps: number;
  /** Of the requests into the node: share that failed (4xx, 5xx or gRPC non-OK), 5xx, 4xx, gRPC non-OK. */
  inErrorPercent: number;
  in5xxPercent: number;
  in4xxPercent: number;
  inGrpcErrorPercent: number;
  /** TCP bytes per second into / out of the node. */
  tcpInBps: number;
  tcpOutBps: number;
}

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** Compound parent (namespace box, or app box in versioned-app graphs). */
  parent?: string;
  boxType?: "namespace" | "app";
  label: string;
  namespace: string;
  app?: string;
  version?: string;
  workload?: string;
  service?: string;
  /** Nothing in the graph sends it traffic. */
  isRoot?: boolean;
  /** In the registry but without traffic in the window. */
  isIdle?: boolean;
  isIngress?: boolean;
  /** In a namespace that was not asked for (shown because traffic crosses into it). */
  isOutside?: boolean;
  traffic: NodeTraffic;
  health: HealthStatus;
}

export interface Latency {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  avg: number | null;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  protocol: Protocol;
  /** Requests per second (HTTP/gRPC); 0 for TCP. */
  rps: number;
  /** This edge's share of its source's outgoing traffic of the same kind (requests or TCP bytes). */
  percent: number;
  errorPercent: number;
  http5xxPercent: number;
  http4xxPercent: number;
  grpcErrorPercent: number;
  /** Requests per second by HTTP response code, and by gRPC status (gRPC only). */
  responseCodes: Record<string, number>;
  grpcCodes: Record<string, number>;
  responseFlags: Record<string, number>;
  /** Milliseconds; null without samples. */
  latency: Latency;
  /** TCP only: bytes per second sent (by the source) and received. */
  tcpSentBps: number;
  tcpReceivedBps: number;
  /** Which side's sidecar reported the traffic this edge shows. */
  reporter: "source" | "destination";
  health: HealthStatus;
  isIdle?: boolean;
}

export interface Graph {
  timestamp: string;
  windowSeconds: number;
  graphType: GraphType;
  namespaces: string[];
  source: { kind: "prometheus" | "demo"; description: string };
  nodes: GraphNode[];
  edges: GraphEdge[];
}
