import * as xds from "@grpc/grpc-js-xds";
import { ClusterResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type";
import { EndpointResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type";
import { ListenerResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type";
import { RouteConfigurationResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type IntentDraft, intentDraftSchema } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { TYPE, messageType } from "./protos";
import { SnapshotBuilder, resourcesFor } from "./snapshot";

/**
 * Whatever intents an operator combines, what Sextant serves proxyless gRPC
 * clients passes the gRPC team's own xDS resource validation (the code a
 * client runs before it ACKs or NACKs): random combinations of every intent
 * kind and option, built by the real SnapshotBuilder, decoded by
 * @grpc/grpc-js-xds's resource types. A NACK from a proxyless client is a
 * Sextant bug (what gRPC cannot honour is degraded instead, SX3xx).
 */
const mesh: MeshSnapshot = {
  revision: 1,
  namespaces: ["default"],
  services: [{ namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: { app: "reviews" }, selector: { app: "reviews" }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC", targetPortName: "grpc" }] }],
  workloads: [],
  endpoints: ["v1", "v2", "v3"].map((v, i) => ({ namespace: "default", pod: `reviews-${v}`, workload: `reviews-${v}`, address: `10.0.0.${i + 1}`, ports: [{ name: "grpc", port: 9080 }], labels: { app: "reviews", version: v }, ready: true })),
};

const subset = fc.constantFrom("v1", "v2", "v3", "v9");
const weights = fc.array(subset, { minLength: 1, maxLength: 3 }).chain((ss) => {
  const unique = [...new Set(ss)];
  return fc.array(fc.integer({ min: 0, max: 100 }), { minLength: unique.length, maxLength: unique.length }).map((ws) => unique.map((s, i) => ({ subset: s, weight: i === unique.length - 1 ? 100 - Math.min(100, ws.slice(0, -1).reduce((a, b) => a + b, 0)) : Math.min(ws[i]!, 100 - ws.slice(0, i).reduce((a, b) => a + Math.min(b, 100), 0)) })).map((w) => ({ ...w, weight: Math.max(0, w.weight) })));
});
const str = fc.oneof(fc.constant("jason"), fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s.trim().length > 0));
const stringMatch = fc.oneof(str.map((exact) => ({ exact })), str.map((prefix) => ({ prefix })), fc.constantFrom("j.*", "a|b", "[0-9]+").map((regex) => ({ regex })));
const match = fc
  .record({ headers: fc.option(fc.dictionary(fc.constantFrom("end-user", "x-tier", "x-chaos"), stringMatch, { minKeys: 1, maxKeys: 2 }), { nil: undefined }), uri: fc.option(stringMatch, { nil: undefined }), method: fc.option(stringMatch, { nil: undefined }), queryParams: fc.option(fc.dictionary(fc.constantFrom("a", "b"), stringMatch, { minKeys: 1 }), { nil: undefined }) })
  .map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)))
  .filter((m) => Object.keys(m).length > 0);
const duration = fc.constantFrom("1ms", "250ms", "1s", "1.5s", "30s", "2m");
const percent = fc.oneof(fc.constantFrom(0, 50, 100), fc.double({ min: 0, max: 100, noNaN: true }));
const RETRY_ON = ["5xx", "gateway-error", "reset", "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];

const specs: Record<string, fc.Arbitrary<unknown>> = {
  "traffic-shift": weights.map((w) => ({ weights: w })),
  "request-routing": fc.array(fc.record({ match: fc.array(match, { minLength: 1, maxLength: 2 }), route: weights }), { minLength: 1, maxLength: 3 }).map((rules) => ({ rules })),
  "fault-injection": fc
    .record({ match: fc.option(fc.array(match, { minLength: 1, maxLength: 2 }), { nil: undefined }), delay: fc.option(fc.record({ fixedDelay: duration, percentage: percent }), { nil: undefined }), abort: fc.option(fc.record({ httpStatus: fc.integer({ min: 200, max: 599 }), percentage: percent }), { nil: undefined }) })
    .map((f) => (f.delay || f.abort ? f : { ...f, abort: { httpStatus: 503, percentage: 10 } }))
    .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined))),
  "timeouts-retries": fc
    .record({ timeout: fc.option(duration, { nil: undefined }), retries: fc.option(fc.record({ attempts: fc.integer({ min: 0, max: 10 }), perTryTimeout: fc.option(duration, { nil: undefined }), retryOn: fc.option(fc.subarray(RETRY_ON), { nil: undefined }) }), { nil: undefined }) })
    .map((t) => JSON.parse(JSON.stringify(t.timeout || t.retries ? t : { ...t, timeout: "1s" }))),
  "circuit-breaking": fc
    .record({
      connectionPool: fc.option(fc.record({ tcp: fc.record({ maxConnections: fc.integer({ min: 1, max: 100 }) }), http: fc.record({ http2MaxRequests: fc.integer({ min: 1, max: 1000 }), http1MaxPendingRequests: fc.integer({ min: 1, max: 10 }) }) }), { nil: undefined }),
      outlierDetection: fc.option(fc.record({ consecutive5xxErrors: fc.integer({ min: 0, max: 20 }), interval: duration, baseEjectionTime: duration, maxEjectionPercent: fc.integer({ min: 0, max: 100 }) }), { nil: undefined }),
    })
    .map((c) => JSON.parse(JSON.stringify(c.connectionPool || c.outlierDetection ? c : { ...c, outlierDetection: {} }))),
  mirroring: fc.record({ subset, percentage: percent }),
  "load-balancer": fc.oneof(
    fc.constantFrom("ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH").map((simple) => ({ simple })),
    fc.constantFrom({ httpHeaderName: "x-user" }, { useSourceIp: true }, { httpCookie: { name: "session", ttl: "10s" } }).map((consistentHash) => ({ consistentHash })),
  ),
};
const intents: fc.Arbitrary<IntentDraft[]> = fc
  .subarray(Object.keys(specs), { minLength: 1 })
  .chain((kinds) => fc.tuple(...kinds.map((k) => specs[k]!.map((spec) => ({ kind: k, spec })))))
  .map((list) => list.flatMap(({ kind, spec }) => {
    const parsed = intentDraftSchema.safeParse({ kind, namespace: "default", target: "reviews", spec });
    return parsed.success ? [parsed.data] : [];
  }));

describe("what proxyless gRPC clients are served passes gRPC's own validation", () => {
  const context = { server: { serverUri: "127.0.0.1:1", channelCreds: [], serverFeatures: ["xds_v3"] }, bootstrap: { node: { id: "n" }, xdsServers: [], authorities: {}, clientDefaultListenerResourceNameTemplate: "%s", certificateProviders: {} } };
  const types = {
    [TYPE.listener]: ListenerResourceType.get(),
    [TYPE.route]: RouteConfigurationResourceType.get(),
    [TYPE.cluster]: ClusterResourceType.get(),
    [TYPE.endpoint]: EndpointResourceType.get(),
  } as Record<string, { decode(ctx: unknown, r: { type_url: string; value: Buffer }): { error?: string } }>;
  beforeAll(() => xds.register()); // registers the HTTP filters (fault, router) the listener check looks up

  it("for any combination of intents", () => {
    fc.assert(
      fc.property(intents, (list) => {
        const snap = new SnapshotBuilder().build(mesh, list);
        for (const type of Object.keys(snap.resources) as (keyof typeof snap.resources)[]) {
          for (const [name, r] of resourcesFor(snap, type, undefined, "proxyless").all) {
            // Proxyless clients ask for "<host>:<port>" listeners and routes; the sidecars' socket listeners and shared port routes are not theirs.
            if ((type === TYPE.listener || type === TYPE.route) && !name.includes(":")) continue;
            const out = types[type]!.decode(context, { type_url: type, value: r.any.value });
            expect(out.error, `${name} with ${JSON.stringify(list)}`).toBeUndefined();
          }
        }
      }),
      { numRuns: Number(process.env.SEXTANT_FUZZ_RUNS ?? 300) },
    );
  });

  it("the check can fail: a LEAST_REQUEST cluster (what Sextant used to send) is rejected", () => {
    const snap = new SnapshotBuilder().build(mesh, []);
    const [name, c] = [...snap.resources[TYPE.cluster]][0]!;
    const t = messageType(TYPE.cluster);
    const bad = t.toObject(t.decode(c.any.value)) as Record<string, unknown>;
    bad.lb_policy = "LEAST_REQUEST";
    const value = Buffer.from(t.encode(t.fromObject(bad)).finish());
    expect(types[TYPE.cluster]!.decode(context, { type_url: TYPE.cluster, value }).error, name).toContain("LEAST_REQUEST");
  });
});
