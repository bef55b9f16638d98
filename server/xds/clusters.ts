import type { SpecOf } from "../intents/schemas";
import type { PortProtocol } from "../mesh/model";
import { type ClientKind, FAILURE_PERCENTAGE_MIN_HOSTS, FAILURE_PERCENTAGE_THRESHOLD } from "./clients";
import { TYPE, toAny } from "./protos";
import { duration } from "./routes";

/**
 * A cluster's load balancing, circuit breaking and outlier detection, for one
 * kind of client. Pure. Envoy sidecars get them as istiod builds them;
 * proxyless gRPC gets what gRPC implements:
 *  - lb_policy: ROUND_ROBIN or RING_HASH only (LEAST_REQUEST and RANDOM are
 *    NACKed by gRPC, PASSTHROUGH has no meaning without a proxy): round robin;
 *  - outlier detection: no consecutive-5xx ejection in gRPC (gRFC A50), so
 *    consecutive5xxErrors=N becomes failure-percentage ejection (at least N
 *    calls in the interval, 85 % of them failed); success-rate ejection is
 *    always off (enforcing_success_rate 0, as istiod sets it: with it on,
 *    grpc-js throws from a timer when no endpoint has enough volume);
 *  - an outlier_detection is always sent, ejecting nothing when no intent
 *    asks for it: gRPC's client tells a changed cluster from its cached one
 *    by the cached object's keys, and a "no outlier detection" object has
 *    none, so adding one later would go unseen by a connected client.
 */
export function clusterPolicy(client: ClientKind, lb: SpecOf<"load-balancer"> | undefined, cb: SpecOf<"circuit-breaking"> | undefined, protocol: PortProtocol = "GRPC"): Record<string, unknown> {
  const policy = lbPolicy(client, lb);
  return {
    lb_policy: policy,
    // istiod: ApplyRingHashLoadBalancer sets Envoy's default ring size explicitly.
    ...(client === "envoy" && policy === "RING_HASH" ? { ring_hash_lb_config: { minimum_ring_size: { value: 1024 } } } : {}),
    ...(client === "envoy" ? envoyConnection(protocol, cb) : {}),
    ...circuitBreakers(client, cb),
    ...outlierDetection(client, cb?.outlierDetection),
  };
}

/** Istio's default connect timeout (MeshConfig.connectTimeout). */
export const DEFAULT_CONNECT_TIMEOUT = "10s";

/**
 * How an Envoy sidecar connects upstream, as istiod sets it
 * (pilot/pkg/networking/core/cluster_builder.go setUpstreamProtocol, applyConnectionPool):
 * HTTP/2 for gRPC and HTTP2 ports (else Envoy speaks HTTP/1.1 and gRPC calls fail),
 * the pool's connectTimeout (default 10s) and maxRequestsPerConnection.
 */
function envoyConnection(protocol: PortProtocol, cb: SpecOf<"circuit-breaking"> | undefined): Record<string, unknown> {
  const pool = cb?.connectionPool;
  const h2 = protocol === "GRPC" || protocol === "HTTP2";
  const perConnection = pool?.http?.maxRequestsPerConnection;
  const http = h2 || protocol === "HTTP";
  const options =
    h2 || (http && perConnection)
      ? {
          ...(perConnection ? { common_http_protocol_options: { max_requests_per_connection: { value: perConnection } } } : {}),
          explicit_http_config: h2 ? { http2_protocol_options: {} } : { http_protocol_options: {} },
        }
      : undefined;
  return {
    connect_timeout: duration(pool?.tcp?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
    ...(options ? { typed_extension_protocol_options: { "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": toAny(TYPE.httpProtocolOptions, options) } } : {}),
  };
}

/**
 * PASSTHROUGH on an Envoy sidecar: an ORIGINAL_DST cluster (connections go
 * where the application sent them), as istiod builds it
 * (pilot/pkg/networking/core/cluster_traffic_policy.go applyLoadBalancer);
 * an EDS cluster with CLUSTER_PROVIDED is refused by Envoy.
 */
export function isPassthrough(client: ClientKind, lb: SpecOf<"load-balancer"> | undefined): boolean {
  return client === "envoy" && !!lb && "simple" in lb && lb.simple === "PASSTHROUGH";
}

/** With no load-balancer intent, an Envoy sidecar balances by least request, as istiod's defaultLBAlgorithm(). */
function lbPolicy(client: ClientKind, lb: SpecOf<"load-balancer"> | undefined): string {
  if (!lb) return client === "envoy" ? "LEAST_REQUEST" : "ROUND_ROBIN";
  if ("consistentHash" in lb) return "RING_HASH";
  if (client === "proxyless") return "ROUND_ROBIN";
  return ({ ROUND_ROBIN: "ROUND_ROBIN", LEAST_REQUEST: "LEAST_REQUEST", RANDOM: "RANDOM", PASSTHROUGH: "CLUSTER_PROVIDED" } as const)[lb.simple];
}

const UINT32_MAX = 4_294_967_295;

/**
 * Circuit breaking thresholds. An Envoy sidecar always gets istiod's
 * (cluster_traffic_policy.go getDefaultCircuitBreakerThresholds): every limit
 * at its maximum unless the pool sets it, and track_remaining, since Envoy's
 * own defaults (1024 connections, 3 concurrent retries) cause 503s while pods
 * roll. A proxyless client gets only the limits an intent sets.
 */
function circuitBreakers(client: ClientKind, cb: SpecOf<"circuit-breaking"> | undefined): Record<string, unknown> {
  const pool = cb?.connectionPool;
  if (!pool && client === "proxyless") return {};
  const limit = (v: number | undefined) => (v ? { value: v } : client === "envoy" ? { value: UINT32_MAX } : undefined);
  const threshold = {
    max_connections: limit(pool?.tcp?.maxConnections),
    max_pending_requests: limit(pool?.http?.http1MaxPendingRequests),
    max_requests: limit(pool?.http?.http2MaxRequests),
    max_retries: limit(pool?.http?.maxRetries),
    ...(client === "envoy" ? { track_remaining: true } : {}),
  };
  return { circuit_breakers: { thresholds: [Object.fromEntries(Object.entries(threshold).filter(([, v]) => v !== undefined))] } };
}

type Outlier = NonNullable<SpecOf<"circuit-breaking">["outlierDetection"]>;

function outlierDetection(client: ClientKind, od: Outlier | undefined): Record<string, unknown> {
  if (!od) return client === "proxyless" ? { outlier_detection: { enforcing_success_rate: { value: 0 } } } : {};
  const common = {
    ...(od.interval ? { interval: duration(od.interval) } : {}),
    ...(od.baseEjectionTime ? { base_ejection_time: duration(od.baseEjectionTime) } : {}),
    enforcing_success_rate: { value: 0 },
  };
  if (client === "envoy") {
    // As istiod's applyOutlierDetection: consecutive_5xx with its enforcement (100 %, or 0 when
    // turned off), max_ejection_percent only above 0 (0 means unset: Envoy's 10 %), and the panic
    // threshold off (0 %), which Envoy would otherwise put at 50 %.
    const n = od.consecutive5xxErrors;
    return {
      outlier_detection: {
        ...(n !== undefined ? { consecutive_5xx: { value: n }, enforcing_consecutive_5xx: { value: n > 0 ? 100 : 0 } } : {}),
        ...common,
        ...(od.maxEjectionPercent ? { max_ejection_percent: { value: od.maxEjectionPercent } } : {}),
      },
      common_lb_config: { healthy_panic_threshold: { value: 0 } },
    };
  }
  // Unset means Envoy's (and Istio's) default of 5; 0 turns it off.
  const n = od.consecutive5xxErrors ?? 5;
  return {
    outlier_detection: {
      ...common,
      ...(od.maxEjectionPercent !== undefined ? { max_ejection_percent: { value: od.maxEjectionPercent } } : {}),
      ...(n
        ? {
            enforcing_failure_percentage: { value: 100 },
            failure_percentage_threshold: { value: FAILURE_PERCENTAGE_THRESHOLD },
            failure_percentage_minimum_hosts: { value: FAILURE_PERCENTAGE_MIN_HOSTS },
            failure_percentage_request_volume: { value: n },
          }
        : {}),
    },
  };
}
