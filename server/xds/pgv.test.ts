import { describe, expect, it } from "vitest";
import { type IntentDraft, intentDraftSchema } from "../intents/schemas";
import { evaluateLimiter } from "../limiter/evaluate";
import { inboundPolicies } from "../limiter/envoyfilter";
import { parseSmartLimiter } from "../limiter/schema";
import type { MeshSnapshot } from "../mesh/model";
import { validateResource } from "../testing/pgv";
import { TYPE, messageType } from "./protos";
import { SnapshotBuilder, XDS_TYPES, resourcesFor } from "./snapshot";

/**
 * Every resource an Envoy sidecar of a demo pod is sent, and every Any inside,
 * checked against Envoy's own protoc-gen-validate rules (server/testing/pgv.ts
 * reads them from Envoy's .proto files): a mesh with every intent kind and
 * option, two namespaces sharing service names, and SmartLimiters with odd
 * fill intervals and a repeated descriptor in force.
 */
const svc = (namespace: string, name: string, port: number, protocol: "GRPC" | "HTTP") => ({ namespace, name, hostname: `${name}.${namespace}.svc.cluster.local`, labels: {}, selector: { app: name }, ports: [{ name: protocol.toLowerCase(), port, protocol, targetPortName: protocol.toLowerCase() }] });
const pod = (namespace: string, app: string, version: string, i: number, port: number, portName: string) => ({ namespace, pod: `${app}-${version}-${namespace}`, workload: `${app}-${version}`, address: `10.${namespace.length}.0.${i}`, ports: [{ name: portName, port }], labels: { app, version }, ready: true });
const mesh: MeshSnapshot = {
  revision: 1,
  namespaces: ["default", "staging"],
  services: [svc("default", "reviews", 9080, "GRPC"), svc("staging", "reviews", 9080, "GRPC"), svc("default", "ratings", 9080, "GRPC"), svc("default", "web", 8080, "HTTP")],
  workloads: [],
  endpoints: [
    pod("default", "reviews", "v1", 1, 9080, "grpc"),
    pod("default", "reviews", "v2", 2, 9080, "grpc"),
    pod("default", "reviews", "v3", 3, 9080, "grpc"),
    pod("staging", "reviews", "v1", 4, 9080, "grpc"),
    pod("default", "ratings", "v1", 5, 9080, "grpc"),
    pod("default", "web", "v1", 6, 8080, "http"),
  ],
};
const intent = (kind: string, spec: unknown, target = "reviews", namespace = "default"): IntentDraft => intentDraftSchema.parse({ kind, namespace, target, spec });
const everything: IntentDraft[] = [
  intent("traffic-shift", { weights: [{ subset: "v1", weight: 10 }, { subset: "v2", weight: 30 }, { subset: "v3", weight: 60 }] }),
  intent("request-routing", { rules: [{ name: "jason", match: [{ headers: { "end-user": { exact: "jason" } } }, { uri: { prefix: "/api" }, method: { exact: "GET" }, queryParams: { canary: { regex: "[0-9]+" } } }], route: [{ subset: "v2", weight: 100 }] }] }),
  intent("fault-injection", { match: [{ headers: { "x-chaos": { exact: "on" } } }], delay: { fixedDelay: "1.5s", percentage: 12.5 }, abort: { httpStatus: 503, percentage: 1 } }),
  intent("timeouts-retries", { timeout: "2s", retries: { attempts: 3, perTryTimeout: "500ms", retryOn: ["5xx", "reset", "unavailable"] } }),
  intent("circuit-breaking", { connectionPool: { tcp: { maxConnections: 10, connectTimeout: "250ms" }, http: { http1MaxPendingRequests: 5, http2MaxRequests: 100, maxRequestsPerConnection: 7, maxRetries: 2 } }, outlierDetection: { consecutive5xxErrors: 3, interval: "5s", baseEjectionTime: "30s", maxEjectionPercent: 50 } }),
  intent("mirroring", { subset: "v3", percentage: 5 }),
  intent("load-balancer", { consistentHash: { httpCookie: { name: "session", ttl: "30s" } } }),
  intent("load-balancer", { simple: "PASSTHROUGH" }, "ratings"),
  intent("fault-injection", { abort: { httpStatus: 500, percentage: 50 } }, "ratings"),
  intent("load-balancer", { simple: "LEAST_REQUEST" }, "reviews", "staging"),
  intent("circuit-breaking", { connectionPool: { http: { maxRequestsPerConnection: 3 } } }, "web"),
];
function limiterPolicies() {
  const d = (seconds: number, nanos: number, quota: string) => ({ action: { fill_interval: { seconds, nanos }, quota, strategy: "single" }, condition: "true", target: { port: 9080 } });
  const r = parseSmartLimiter({ apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: "reviews", namespace: "default" }, spec: { sets: { _base: { descriptor: [d(1, 500_000_000, "10"), d(0, 250_000_000, "2.5"), d(1, 500_000_000, "10")] } } } });
  if ("problems" in r) throw new Error(JSON.stringify(r.problems));
  return inboundPolicies(r.limiter, evaluateLimiter(r.limiter, { "_base.pod": 3 }), { selector: { app: "reviews" }, setLabels: {} });
}

const decodeCluster = (b: Uint8Array) => messageType(TYPE.cluster).toObject(messageType(TYPE.cluster).decode(b), { enums: String });

describe("Envoy's own validation rules on what a sidecar is sent", () => {
  const snap = new SnapshotBuilder().build(mesh, everything, limiterPolicies());
  const sidecars = [undefined, "reviews-v1-default.default", "reviews-v1-staging.staging", "web-v1-default.default"];

  it("holds for every resource and every Any inside, for sidecars of several pods and namespaces", () => {
    const violations: string[] = [];
    let checked = 0;
    for (const proxy of sidecars) {
      // What a sidecar asks for: every listener and cluster (wildcard), the route configurations its
      // listeners name ("9080", "8080"), the load assignments of its EDS clusters.
      const clusters = [...resourcesFor(snap, TYPE.cluster, proxy, "envoy").all.values()];
      const eds = new Set(clusters.filter((c) => !JSON.stringify(decodeCluster(c.any.value)).includes("ORIGINAL_DST")).map((c) => c.name));
      for (const type of XDS_TYPES) {
        const wanted = (name: string) => (type === TYPE.route ? !name.includes(":") : type === TYPE.endpoint ? eds.has(name) : true);
        for (const r of [...resourcesFor(snap, type, proxy, "envoy").all.values()].filter((x) => wanted(x.name))) {
          checked++;
          for (const v of validateResource(type, r.any.value)) violations.push(`${proxy ?? "(no pod)"} ${r.name}: ${v.path} ${v.rule}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(violations).toEqual([]);
    // The limiter's inbound listener was among them, with its local rate limit.
    const inbound = resourcesFor(snap, TYPE.listener, "reviews-v1-default.default", "envoy").all.get("virtualInbound");
    expect(inbound).toBeDefined();
  });

  it("can fail: it finds the empty stat_prefix of a proxyless api_listener (which sidecars used to be sent)", () => {
    const apiListener = resourcesFor(snap, TYPE.listener, undefined, "proxyless").all.get("reviews.default.svc.cluster.local:9080")!;
    expect(validateResource(TYPE.listener, apiListener.any.value)).toContainEqual(expect.objectContaining({ rule: "string.min_len 1", path: expect.stringContaining("stat_prefix") }));
  });
});
