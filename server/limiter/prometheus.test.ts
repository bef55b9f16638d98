import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoMesh } from "../demo/mesh";
import { MemoryRegistry } from "../mesh/registry";
import { PrometheusClient } from "../metrics/prometheus";
import { PrometheusTrafficSource } from "../metrics/prometheus-source";
import { quietLog } from "../testing/databases";
import { type RunningPrometheus, startPrometheus, waitForSamples } from "../testing/prometheus";
import { type StoredLimiter, LimiterController, diffOf } from "./controller";
import { DEFAULT_RLS } from "./envoyfilter";
import { collectMetrics } from "./metrics";
import { parseSmartLimiterYaml } from "./schema";

/**
 * A SmartLimiter whose condition reads the demo mesh's request rate, from a
 * real Prometheus scraping the real demo: the EnvoyFilter is there while the
 * load generator sends 20 requests a second, goes on the next evaluation
 * once it sends 2, and comes back at 20.
 */
const WINDOW = 5;
const limiter = parseSmartLimiterYaml(`
apiVersion: microservice.slime.io/v1alpha2
kind: SmartLimiter
metadata: { name: reviews, namespace: default }
spec:
  sets:
    _base:
      descriptor:
      - action: { quota: "{{._base.rps}} * 60 * 0.8 / {{._base.pod}}", fill_interval: { seconds: 60 }, strategy: single }
        condition: "{{._base.rps}} > 5"
        target: { port: 9080 }
`);

describe("SmartLimiter conditions on a real Prometheus", () => {
  const registry = new MemoryRegistry();
  const mesh = new DemoMesh({ registry, log: quietLog, host: "127.0.0.1", metricsPort: 0, requestsPerSecond: 20, ratingsErrorRate: 0 });
  let prom: RunningPrometheus;
  let controller: LimiterController;
  let policyChanges = 0;

  beforeAll(async () => {
    if ("problems" in limiter) throw new Error(JSON.stringify(limiter.problems));
    await mesh.start();
    mesh.loadGenerator.start();
    prom = await startPrometheus([new URL(mesh.metricsUrl).host], "1s");
    await waitForSamples(prom.url, "istio_requests_total", WINDOW + 2, 90_000);
    const client = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 5000 });
    const stored: StoredLimiter[] = [{ id: "00000000-0000-4000-8000-000000000001", revision: 1, limiter: limiter.limiter }];
    controller = new LimiterController({
      registry,
      load: async () => stored,
      inputs: () => ({ traffic: new PrometheusTrafficSource(client), prometheus: client, handlers: {}, windowSeconds: WINDOW }),
      // Evaluations are driven by the test; the interval only has to be long.
      intervalMs: 3_600_000,
      rls: DEFAULT_RLS,
      onPolicies: () => policyChanges++,
      log: quietLog,
    });
    await controller.start();
  }, 150_000);

  afterAll(async () => {
    controller?.stop();
    await mesh.loadGenerator.stop().catch(() => undefined);
    await prom?.stop();
    await mesh.stop();
  });

  const evaluated = async () => {
    await controller.evaluateNow();
    return controller.status()[0]!;
  };

  it("puts the EnvoyFilter in force while the demo sends more than 5 requests per second", async () => {
    const s = await evaluated();
    expect(s.problems).toEqual([]);
    expect(s.evaluation!.metrics["_base.pod"]).toBe(3);
    expect(s.evaluation!.metrics["_base.rps"]).toBeGreaterThan(5);
    expect(s.evaluation!.descriptors[0]).toMatchObject({ condition: true, active: true });
    // The quota follows the measured rate: 80% of a minute's requests, shared by 3 pods.
    expect(s.evaluation!.descriptors[0]!.quota).toBeCloseTo((s.evaluation!.metrics["_base.rps"]! * 60 * 0.8) / 3, 3);
    expect(s.envoyFilters.map((e) => e.metadata.name)).toEqual(["reviews.default.ratelimit"]);
    expect(controller.policies()).toHaveLength(1);
    expect(controller.objects().map((o) => o.kind)).toEqual(["EnvoyFilter"]);
  });

  it("removes it on the next evaluation once the load generator slows to 2/s, and restores it at 20/s", async () => {
    const changes = policyChanges;
    mesh.loadGenerator.setRate(2);
    // The next evaluation after the rate window has passed.
    await expect.poll(async () => (await evaluated()).evaluation!.descriptors[0]!.condition, { timeout: 30_000, interval: 1000 }).toBe(false);
    const off = controller.status()[0]!;
    expect(off.envoyFilters).toEqual([]);
    expect(off.yaml).toBe("");
    expect(diffOf(off)).toContain("-kind: EnvoyFilter");
    expect(controller.policies()).toEqual([]);
    expect(policyChanges).toBeGreaterThan(changes);
    expect(off.evaluation!.metrics["_base.rps"]).toBeGreaterThan(0.5); // still sending, just slower
    mesh.loadGenerator.setRate(20);
    await expect.poll(async () => (await evaluated()).envoyFilters.length, { timeout: 30_000, interval: 1000 }).toBe(1);
    expect(diffOf(controller.status()[0]!)).toContain("+kind: EnvoyFilter");
  }, 90_000);

  it("queries named PromQL handlers with the set's pods and workloads, and says why a metric cannot be read", async () => {
    const l = parseSmartLimiterYaml(`
apiVersion: microservice.slime.io/v1alpha2
kind: SmartLimiter
metadata: { name: reviews, namespace: default }
spec:
  sets:
    v2:
      descriptor:
      - action: { quota: "10", fill_interval: { seconds: 60 }, strategy: single }
        condition: "{{.v2.served}} >= 0 && {{.v2.rt99}} > 0 && {{.v2.cpu.sum}} > 0.5"
        target: { port: 9080 }
`);
    if ("problems" in l) throw new Error(JSON.stringify(l.problems));
    const client = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 5000 });
    const { values, problems } = await collectMetrics(l.limiter, {
      mesh: registry.snapshot(),
      traffic: new PrometheusTrafficSource(client),
      prometheus: client,
      handlers: { served: 'sum(istio_requests_total{reporter="destination",destination_workload_namespace="$namespace",destination_workload=~"$workload"}) or vector(0)' },
      windowSeconds: WINDOW,
    });
    expect(values["v2.pod"]).toBe(1);
    expect(values["v2.served"]).toBeGreaterThan(0);
    // rt99 of the set: Prometheus's own histogram_quantile over the same workload agrees.
    const promRt99 = await new PrometheusTrafficSource(client).quantiles(
      { metric: "istio_request_duration_milliseconds_bucket", match: { reporter: "destination", destination_workload_namespace: "default", destination_workload: "reviews-v2" }, by: [], windowSeconds: WINDOW },
      [0.99],
      new Date(),
    );
    expect(values["v2.rt99"]).toBeGreaterThan(0);
    expect(values["v2.rt99"]! / promRt99[0]!.value).toBeGreaterThan(0.5);
    expect(values["v2.rt99"]! / promRt99[0]!.value).toBeLessThan(2);
    // The demo has no cAdvisor metrics: the built-in cpu handler finds nothing, and says so.
    expect(problems).toEqual([expect.stringMatching(/^\{\{\.v2\.cpu\.sum\}\}: the query returned no samples: sum\(rate\(container_cpu_usage_seconds_total\{namespace="default",pod=~"reviews-v2-[^"]+",image=""\}\[1m\]\)\)$/)]);
  });
  it("asks Prometheus each distinct handler query once per cycle, and at most 8 at a time", async () => {
    const client = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 5000 });
    const asked: string[] = [];
    let inFlight = 0;
    let most = 0;
    const real = client.query.bind(client);
    client.query = async (promql, time, signal) => {
      asked.push(promql);
      most = Math.max(most, ++inFlight);
      try {
        return await real(promql, time, signal);
      } finally {
        inFlight--;
      }
    };
    // 36 limiters on the same pods reading 12 handlers: 12 distinct queries.
    const handlers = Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`h${k}`, `vector(${k}) + 0 * count(up{namespace!="$namespace-none"})`]));
    const stored: StoredLimiter[] = Array.from({ length: 36 }, (_, i) => {
      const parsed = parseSmartLimiterYaml(`
apiVersion: microservice.slime.io/v1alpha2
kind: SmartLimiter
metadata: { name: reviews-${i}, namespace: default }
spec:
  workloadSelector: { app: reviews }
  sets:
    _base:
      descriptor:
      - action: { quota: "10", fill_interval: { seconds: 60 }, strategy: single }
        condition: "{{._base.h${i % 12}}} >= 0"
        target: { port: 9080 }
`);
      if ("problems" in parsed) throw new Error(JSON.stringify(parsed.problems));
      return { id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, revision: 1, limiter: parsed.limiter };
    });
    const c = new LimiterController({
      registry,
      load: async () => stored,
      inputs: () => ({ traffic: undefined, prometheus: client, handlers, windowSeconds: WINDOW }),
      intervalMs: 3_600_000,
      rls: DEFAULT_RLS,
      onPolicies: () => undefined,
      log: quietLog,
    });
    await c.evaluateNow();
    expect(c.lastCycle?.error).toBeUndefined();
    expect(asked).toHaveLength(12);
    expect(new Set(asked).size).toBe(12);
    expect(most).toBeLessThanOrEqual(8);
    const statuses = c.status();
    expect(statuses).toHaveLength(36);
    for (const st of statuses) {
      const i = Number(st.name.split("-")[1]);
      expect(st.problems).toEqual([]);
      expect(st.evaluation!.metrics[`_base.h${i % 12}`]).toBe(i % 12);
    }
    // The next cycle asks again: nothing is cached across cycles.
    await c.evaluateNow();
    expect(asked).toHaveLength(24);
    c.stop();
  });
});
