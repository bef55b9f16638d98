import { describe, expect, it } from "vitest";
import type { Endpoint } from "../mesh/model";
import { MemoryRegistry } from "../mesh/registry";
import { quietLog } from "../testing/databases";
import { LimiterController, type LimiterControllerOptions, type StoredLimiter, diffOf } from "./controller";
import { DEFAULT_RLS } from "./envoyfilter";
import { parseSmartLimiter } from "./schema";
import { TYPE, anyFromProtoJson, messageType } from "../xds/protos";

/** A controller over `registry` and fixed stored limiters, driven by the test (the interval never fires). */
function controllerOf(registry: MemoryRegistry, limiters: StoredLimiter[], extra: Partial<LimiterControllerOptions> = {}) {
  return new LimiterController({
    registry,
    load: async () => limiters,
    inputs: () => ({ traffic: undefined, prometheus: undefined, handlers: {}, windowSeconds: 60 }),
    intervalMs: 3_600_000,
    rls: DEFAULT_RLS,
    onPolicies: () => {},
    log: quietLog,
    ...extra,
  });
}

const pod = (name: string, version: string): Endpoint => ({ namespace: "default", pod: name, workload: `reviews-${version}`, address: "10.0.0.1", ports: [{ name: "http", port: 9080 }], labels: { app: "reviews", version }, ready: true });

describe("the SmartLimiter controller", () => {
  it("re-evaluates when endpoints change, without waiting for the interval", async () => {
    const registry = new MemoryRegistry();
    registry.update((w) => {
      w.upsertService({ namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: {}, selector: { app: "reviews" }, ports: [{ name: "http", port: 9080, protocol: "HTTP", targetPortName: "http" }] });
      w.upsertEndpoint(pod("reviews-v1-a", "v1"));
    });
    const parsed = parseSmartLimiter({
      apiVersion: "microservice.slime.io/v1alpha2",
      kind: "SmartLimiter",
      metadata: { name: "reviews", namespace: "default" },
      spec: { sets: { _base: { descriptor: [{ action: { quota: "90/{{._base.pod}}", fill_interval: { seconds: 60 }, strategy: "average", headers_to_add: [{ key: "x-limited-by", value: "sextant" }] }, condition: "{{._base.pod}} > 1", target: { port: 9080 } }] } } },
    });
    if ("problems" in parsed) throw new Error(JSON.stringify(parsed.problems));
    let policyChanges = 0;
    const c = controllerOf(registry, [{ id: "x", revision: 1, limiter: parsed.limiter }], { onPolicies: () => policyChanges++, debounceMs: 20 });
    await c.start();
    try {
      expect(c.status()[0]!.evaluation!.descriptors[0]).toMatchObject({ condition: false, quota: 90, active: false });
      expect(c.status()[0]!.envoyFilters).toEqual([]);
      registry.update((w) => {
        w.upsertEndpoint(pod("reviews-v2-a", "v2"));
        w.upsertEndpoint(pod("reviews-v3-a", "v3"));
      });
      await expect.poll(() => c.status()[0]!.evaluation!.descriptors[0]!.active, { timeout: 5000, interval: 20 }).toBe(true);
      const s = c.status()[0]!;
      expect(s.evaluation!.metrics["_base.pod"]).toBe(3);
      expect(s.evaluation!.descriptors[0]!.quota).toBe(30);
      expect(s.yaml).toContain("max_tokens: 30");
      // headers_to_add become the local rate limit's response headers.
      expect(s.yaml).toContain("key: x-limited-by");
      const perRoute = (s.envoyFilters[0]!.spec.configPatches[2] as { patch: { value: { typed_per_filter_config: Record<string, Record<string, unknown>> } } }).patch.value.typed_per_filter_config["envoy.filters.http.local_ratelimit"]!;
      const decoded = messageType(TYPE.localRateLimit).decode(anyFromProtoJson(perRoute).value) as unknown as { response_headers_to_add: { header: { key: string } }[] };
      expect(decoded.response_headers_to_add[0]!.header.key).toBe("x-limited-by");
      expect(diffOf(s)).toContain("+kind: EnvoyFilter");
      expect(c.policies()).toHaveLength(1);
      expect(policyChanges).toBe(1);
    } finally {
      c.stop();
    }
  });

  it("generates nothing for a limiter that selects no pods (an empty selector would select the whole namespace)", async () => {
    const parsed = parseSmartLimiter({ apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: "ghost", namespace: "default" }, spec: { sets: { _base: { descriptor: [{ action: { quota: "1", fill_interval: { seconds: 1 }, strategy: "single" }, target: { port: 80 } }] } } } });
    if ("problems" in parsed) throw new Error(JSON.stringify(parsed.problems));
    const c = controllerOf(new MemoryRegistry(), [{ id: "g", revision: 1, limiter: parsed.limiter }]);
    await c.start();
    c.stop();
    const s = c.status()[0]!;
    expect(s.evaluation!.descriptors[0]!.active).toBe(true);
    expect(s.envoyFilters).toEqual([]);
    expect(s.problems[0]).toContain("no service default/ghost in the mesh and no spec.workloadSelector");
    expect(c.policies()).toEqual([]);
  });

  it("keeps the last results when the store is unavailable, and says so", async () => {
    const c = controllerOf(new MemoryRegistry(), [], { load: async () => undefined });
    await c.start();
    c.stop();
    expect(c.lastCycle?.error).toContain("database is unavailable");
    expect(c.status()).toEqual([]);
  });
  it("evaluates a saved limiter alone and drops a deleted one at once, recomputing policies and the RLS ConfigMap", async () => {
    const registry = new MemoryRegistry();
    registry.update((w) => {
      for (const name of ["reviews", "ratings"]) {
        w.upsertService({ namespace: "default", name, hostname: `${name}.default.svc.cluster.local`, labels: {}, selector: { app: name }, ports: [{ name: "http", port: 9080, protocol: "HTTP", targetPortName: "http" }] });
      }
      w.upsertEndpoint(pod("reviews-v1-a", "v1"));
      w.upsertEndpoint({ ...pod("ratings-v1-a", "v1"), workload: "ratings-v1", labels: { app: "ratings", version: "v1" } });
    });
    const limiterOf = (name: string, strategy: "single" | "global", quota: string) => {
      const parsed = parseSmartLimiter({
        apiVersion: "microservice.slime.io/v1alpha2",
        kind: "SmartLimiter",
        metadata: { name, namespace: "default" },
        spec: { sets: { _base: { descriptor: [{ action: { quota, fill_interval: { seconds: 60 }, strategy }, condition: "true", target: { port: 9080 } }] } } },
      });
      if ("problems" in parsed) throw new Error(JSON.stringify(parsed.problems));
      return parsed.limiter;
    };
    const stored: StoredLimiter[] = [
      { id: "r", revision: 1, limiter: limiterOf("reviews", "single", "10") },
      { id: "t", revision: 1, limiter: limiterOf("ratings", "global", "100") },
    ];
    let loads = 0;
    let policyChanges = 0;
    // The metrics can be taken away (as when Prometheus goes down) from the running controller.
    let metricsDown = false;
    const inputs = () => {
      if (metricsDown) throw new Error("metrics unavailable");
      return { traffic: undefined, prometheus: undefined, handlers: {}, windowSeconds: 60 };
    };
    const c = controllerOf(registry, stored, { load: async () => (loads++, stored), onPolicies: () => policyChanges++, inputs });
    await c.start();
    try {
      expect(loads).toBe(1);
      const ratingsBefore = c.status().find((s) => s.id === "t")!;
      expect(c.policies()).toHaveLength(1); // the local (single) limit; the global one is the RLS's
      expect(c.objects().map((o) => o.kind)).toEqual(["EnvoyFilter", "EnvoyFilter", "ConfigMap"]);

      // Saved at revision 2 with a new quota: evaluated without loading (or re-evaluating) the others.
      await c.evaluateOne({ id: "r", revision: 2, limiter: limiterOf("reviews", "single", "25") });
      expect(loads).toBe(1);
      const reviews = c.status().find((s) => s.id === "r")!;
      expect(reviews.revision).toBe(2);
      expect(reviews.evaluation!.descriptors[0]!.quota).toBe(25);
      expect(reviews.yaml).toContain("max_tokens: 25");
      expect(diffOf(reviews)).toMatch(/^\+ +max_tokens: 25$/m);
      expect(diffOf(reviews)).toMatch(/^- +max_tokens: 10$/m);
      expect(c.status().find((s) => s.id === "t")).toBe(ratingsBefore);
      expect(policyChanges).toBe(2);
      expect(JSON.stringify(c.policies()[0]!.rateLimit.perRoute)).toContain('"max_tokens":25');

      // Deleted: its EnvoyFilter and the ConfigMap its global limit needed are gone.
      await c.forget("t");
      expect(c.status().map((s) => s.id)).toEqual(["r"]);
      expect(c.objects().map((o) => o.kind)).toEqual(["EnvoyFilter"]);
      // With the metrics gone, a save whose evaluation fails keeps what is in force (revision 2,
      // quota 25, its policy) on the running controller, and says why; so does a whole cycle.
      const inForce = { status: c.status().find((s) => s.id === "r"), policies: JSON.stringify(c.policies()) };
      metricsDown = true;
      await c.evaluateOne({ id: "r", revision: 3, limiter: limiterOf("reviews", "single", "5") });
      expect(c.status().find((s) => s.id === "r")).toBe(inForce.status);
      expect(c.status().find((s) => s.id === "r")!.evaluation!.descriptors[0]!.quota).toBe(25);
      expect(JSON.stringify(c.policies())).toBe(inForce.policies);
      expect(c.lastCycle?.error).toBe("evaluating default/reviews after its save failed: metrics unavailable");
      await c.evaluateNow();
      expect(c.status().find((s) => s.id === "r")!.evaluation!.descriptors[0]!.quota).toBe(25);
      expect(JSON.stringify(c.policies())).toBe(inForce.policies);
      expect(c.lastCycle?.error).toContain("metrics unavailable");
      metricsDown = false;

      await c.forget("r");
      expect(c.status()).toEqual([]);
      expect(c.policies()).toEqual([]);
      expect(policyChanges).toBe(3);
    } finally {
      c.stop();
    }
  });
});
