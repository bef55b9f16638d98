import { describe, expect, it } from "vitest";
import { type IntentDraft, intentDraftSchema } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { TYPE, messageType } from "./protos";
import { SnapshotBuilder, resourcesFor } from "./snapshot";

/**
 * What an Envoy sidecar gets for a VirtualService's and a DestinationRule's
 * fields, compared field by field with what istiod's own tests expect for the
 * same input (each test names the istiod test or function it follows):
 *  - pilot/pkg/networking/core/route/route_internal_test.go TestTranslateFault, TestMirrorPercent
 *  - pilot/pkg/networking/core/route/route_test.go (weighted clusters, hash policies)
 *  - pilot/pkg/networking/core/cluster_builder_test.go TestApplyConnectionPool
 *  - pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection,
 *    applyLoadBalancer, ApplyRingHashLoadBalancer, getDefaultCircuitBreakerThresholds
 */
const mesh: MeshSnapshot = {
  revision: 1,
  namespaces: ["default"],
  services: [{ namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: {}, selector: { app: "reviews" }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC", targetPortName: "grpc" }] }],
  workloads: [],
  endpoints: ["v1", "v2", "v3"].map((v, i) => ({ namespace: "default", pod: `reviews-${v}`, workload: `reviews-${v}`, address: `10.0.0.${i + 1}`, ports: [{ name: "grpc", port: 9080 }], labels: { app: "reviews", version: v }, ready: true })),
};
const intent = (kind: string, spec: unknown): IntentDraft => intentDraftSchema.parse({ kind, namespace: "default", target: "reviews", spec });
const decodeAny = (a: { type_url: string; value: Uint8Array }) => {
  const m = messageType(a.type_url);
  return m.toObject(m.decode(a.value), { longs: Number, enums: String, defaults: false }) as Record<string, unknown>;
};
const MAX = 4_294_967_295;
/** A google.protobuf.Duration as decoded (Sextant always writes nanos, 0 here). */
const seconds = (n: number) => ({ seconds: n, nanos: 0 });

type Route = { match: unknown; route: Record<string, unknown>; typed_per_filter_config?: Record<string, { type_url: string; value: Uint8Array }> };
function reviewsRoutes(intents: IntentDraft[]): Route[] {
  const snap = new SnapshotBuilder().build(mesh, intents);
  const msg = messageType(TYPE.route);
  const rc = msg.toObject(msg.decode(resourcesFor(snap, TYPE.route, undefined, "envoy").all.get("9080")!.any.value), { longs: Number, enums: String, defaults: false }) as { virtual_hosts: { name: string; routes: Route[] }[] };
  return rc.virtual_hosts.find((v) => v.name.startsWith("reviews"))!.routes;
}
function reviewsCluster(intents: IntentDraft[], subset = ""): Record<string, unknown> {
  const snap = new SnapshotBuilder().build(mesh, intents);
  const msg = messageType(TYPE.cluster);
  const r = resourcesFor(snap, TYPE.cluster, undefined, "envoy").all.get(`outbound|9080|${subset}|reviews.default.svc.cluster.local`)!;
  return msg.toObject(msg.decode(r.any.value), { longs: Number, enums: String, defaults: false }) as Record<string, unknown>;
}

describe("routes as istiod builds them", () => {
  it("a split over several subsets is weighted_clusters of outbound|port|subset|host with the weights as given; one destination is a plain cluster", () => {
    const [split] = reviewsRoutes([intent("traffic-shift", { weights: [{ subset: "v1", weight: 80 }, { subset: "v2", weight: 20 }] })]);
    expect(split!.route.weighted_clusters).toEqual({
      clusters: [
        { name: "outbound|9080|v1|reviews.default.svc.cluster.local", weight: { value: 80 } },
        { name: "outbound|9080|v2|reviews.default.svc.cluster.local", weight: { value: 20 } },
      ],
    });
    expect(split!.route.cluster).toBeUndefined();
    const [one] = reviewsRoutes([intent("traffic-shift", { weights: [{ subset: "v3", weight: 100 }] })]);
    expect([one!.route.cluster, one!.route.weighted_clusters]).toEqual(["outbound|9080|v3|reviews.default.svc.cluster.local", undefined]);
  });

  it("a fault is the fault filter's per-route HTTPFault: fixed delay and abort with percentages in millionths (TestTranslateFault)", () => {
    const [r] = reviewsRoutes([intent("fault-injection", { delay: { fixedDelay: "3s", percentage: 50 }, abort: { httpStatus: 503, percentage: 50 } })]);
    const fault = decodeAny(r!.typed_per_filter_config!["envoy.filters.http.fault"]!);
    expect(fault).toEqual({
      delay: { fixed_delay: seconds(3), percentage: { numerator: 500_000, denominator: "MILLION" } },
      abort: { http_status: 503, percentage: { numerator: 500_000, denominator: "MILLION" } },
    });
  });

  it("mirroring is a request_mirror_policies entry whose runtime fraction is the percentage in millionths (TestMirrorPercent: 50 -> 500000/MILLION)", () => {
    const [r] = reviewsRoutes([intent("mirroring", { subset: "v3", percentage: 50 })]);
    expect(r!.route.request_mirror_policies).toEqual([{ cluster: "outbound|9080|v3|reviews.default.svc.cluster.local", runtime_fraction: { default_value: { numerator: 500_000, denominator: "MILLION" } } }]);
  });

  it("a cookie hash carries the cookie's name and TTL (route_test.go 'for virtual service with ring hash'), and the retry policy then has no host predicate", () => {
    const [r] = reviewsRoutes([intent("load-balancer", { consistentHash: { httpCookie: { name: "hash-cookie", ttl: "100s" } } })]);
    expect(r!.route.hash_policy).toEqual([{ cookie: { name: "hash-cookie", ttl: seconds(100) } }]);
    expect((r!.route.retry_policy as { retry_host_predicate?: unknown[] }).retry_host_predicate).toBeUndefined();
  });
});

describe("clusters as istiod builds them", () => {
  it("every cluster gets istiod's default circuit breaker thresholds: all four limits at 2^32-1 and track_remaining", () => {
    expect(reviewsCluster([]).circuit_breakers).toEqual({ thresholds: [{ max_connections: { value: MAX }, max_pending_requests: { value: MAX }, max_requests: { value: MAX }, max_retries: { value: MAX }, track_remaining: true }] });
  });

  it("a connection pool sets only the limits it names, the others keep istiod's defaults (TestApplyConnectionPool)", () => {
    const c = reviewsCluster([intent("circuit-breaking", { connectionPool: { tcp: { maxConnections: 10 }, http: { http2MaxRequests: 22, maxRetries: 4 } } })]);
    expect(c.circuit_breakers).toEqual({ thresholds: [{ max_connections: { value: 10 }, max_pending_requests: { value: MAX }, max_requests: { value: 22 }, max_retries: { value: 4 }, track_remaining: true }] });
  });

  it("outlier detection: consecutive_5xx with enforcement 100 %, interval, base ejection time, success rate off, panic threshold 0 (applyOutlierDetection)", () => {
    const c = reviewsCluster([intent("circuit-breaking", { outlierDetection: { consecutive5xxErrors: 7, interval: "5s", baseEjectionTime: "30s", maxEjectionPercent: 50 } })]);
    expect(c.outlier_detection).toEqual({
      consecutive_5xx: { value: 7 },
      enforcing_consecutive_5xx: { value: 100 },
      interval: seconds(5),
      base_ejection_time: seconds(30),
      max_ejection_percent: { value: 50 },
      enforcing_success_rate: { value: 0 },
    });
    expect(c.common_lb_config).toEqual({ healthy_panic_threshold: { value: 0 } }); // set, at 0: Envoy's default would be 50 %
  });

  it("consecutive5xxErrors 0 turns that ejection off (enforcement 0); maxEjectionPercent 0 is unset, as istiod reads it", () => {
    const od = reviewsCluster([intent("circuit-breaking", { outlierDetection: { consecutive5xxErrors: 0, maxEjectionPercent: 0 } })]).outlier_detection as Record<string, unknown>;
    expect([od.consecutive_5xx, od.enforcing_consecutive_5xx, od.max_ejection_percent]).toEqual([{ value: 0 }, { value: 0 }, undefined]);
  });

  it("no load-balancer intent: LEAST_REQUEST (defaultLBAlgorithm); consistent hash: RING_HASH with a 1024 minimum ring (ApplyRingHashLoadBalancer)", () => {
    expect(reviewsCluster([]).lb_policy).toBe("LEAST_REQUEST");
    expect(reviewsCluster([intent("load-balancer", { simple: "ROUND_ROBIN" })]).lb_policy).toBe("ROUND_ROBIN");
    const ring = reviewsCluster([intent("load-balancer", { consistentHash: { httpHeaderName: "x-user" } })]);
    expect([ring.lb_policy, ring.ring_hash_lb_config]).toEqual(["RING_HASH", { minimum_ring_size: { value: 1024 } }]);
  });
});
