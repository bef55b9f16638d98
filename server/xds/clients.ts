/**
 * The two kinds of xDS client Sextant serves, and how a stream is told apart.
 * Envoy sidecars get every feature as istiod builds it; proxyless gRPC
 * clients get only what gRPC's xDS implementation honours (the gRFCs
 * grpc-node lists: A27 base, A28 routing, A31 timeouts via
 * max_stream_duration, A32 circuit breaking (max_requests only), A33 fault
 * injection, A42 ring hash with header and channel-id hash policies, A44
 * retries on gRPC status codes without per-try timeouts, A50 outlier
 * detection by success rate and failure percentage). What they cannot
 * honour is degraded explicitly (server/xds/routes.ts, clusters.ts) and
 * reported by validation (server/intents/proxyless.ts).
 */
export type ClientKind = "proxyless" | "envoy";

export interface NodeInfo {
  id?: string;
  user_agent_name?: string;
  metadata?: { fields?: Record<string, { stringValue?: string; string_value?: string; kind?: string }> } | Record<string, unknown> | null;
}

/**
 * gRPC's xDS clients name themselves in user_agent_name ("gRPC Node Pure JS",
 * "gRPC Go", "grpc-java-netty"...); Istio's proxyless bootstrap also sets the
 * node metadata GENERATOR=grpc. Everything else is taken for Envoy.
 */
export function clientKind(node: NodeInfo | undefined): ClientKind {
  if (/grpc/i.test(node?.user_agent_name ?? "")) return "proxyless";
  // google.protobuf.Struct comes from protobufjs's own well-known types, whose field names are
  // camelCase whatever the loader's keepCase (stringValue, not string_value).
  const generator = (node?.metadata as { fields?: Record<string, { stringValue?: string; string_value?: string }> } | undefined)?.fields?.GENERATOR;
  if ((generator?.stringValue ?? generator?.string_value) === "grpc") return "proxyless";
  return "envoy";
}

export { FAILURE_PERCENTAGE_MIN_HOSTS, FAILURE_PERCENTAGE_THRESHOLD, GRPC_MAX_ATTEMPTS, grpcRetryOn } from "../intents/proxyless";

/** Envoy's (and Sextant's) retry conditions when an intent names none. */
export const DEFAULT_RETRY_ON = ["connect-failure", "refused-stream", "unavailable", "cancelled"];
