/**
 * Evaluating 1,000 SmartLimiters with 3 descriptors each, metric values
 * given: per limiter, conditions and quotas (expressions), token buckets and
 * rate limit service units, the EnvoyFilters, the inbound policies for xDS,
 * and the rate limit service's ConfigMap for all of them. Also reported:
 *  - the same cycle with every EnvoyFilter checked against Istio's CRD schema
 *    (the console's controller checks only those that changed);
 *  - the console's whole cycle (LimiterController.evaluateNow) over a
 *    1,000-service mesh, request telemetry read (two queries per cycle) from
 *    a traffic source that answers at once with every workload's rates and
 *    duration buckets (the metrics are "given"; Prometheus's own latency is
 *    not Sextant's).
 * Target: under 100 ms per cycle.
 * Run: npx tsx bench/limiter/run.ts
 */
import { LimiterController, type StoredLimiter, placementOf } from "../../server/limiter/controller";
import { DEFAULT_RLS, envoyFilters, inboundPolicies, rlsConfigMap, rlsDescriptors } from "../../server/limiter/envoyfilter";
import { evaluateLimiter } from "../../server/limiter/evaluate";
import { type SmartLimiter, parseSmartLimiter } from "../../server/limiter/schema";
import { MemoryRegistry } from "../../server/mesh/registry";
import { type TrafficSource, matches } from "../../server/metrics/source";
import { quietLog } from "../../server/testing/databases";
import { validateAgainstCrd } from "../../server/translate/crd";
import { recordResult, stats } from "../lib/results";
import { syntheticMesh } from "../xds/mesh";

const N = 1000;
const { mesh } = syntheticMesh(N);
const limiters: SmartLimiter[] = mesh.services.map((s, i) => {
  const r = parseSmartLimiter({
    apiVersion: "microservice.slime.io/v1alpha2",
    kind: "SmartLimiter",
    metadata: { name: s.name, namespace: s.namespace },
    spec: {
      sets: {
        _base: {
          descriptor: [
            { action: { quota: "100", fill_interval: { seconds: 1 }, strategy: "single" }, condition: "{{._base.rps}} > 10", target: { port: 9080 } },
            { action: { quota: "1000/{{._base.pod}}", fill_interval: { seconds: 60 }, strategy: "average" }, condition: "{{._base.rt99}} >= 250 || {{._base.rps}} > 50", target: { port: 9080 }, match: [{ name: "x-user", exact_match: `user-${i}` }] },
          ],
        },
        v1: { descriptor: [{ action: { quota: "{{.v1.rps}} * 60 * 0.8", fill_interval: { seconds: 60 }, strategy: "global" }, condition: "true", target: { port: 9080 } }] },
      },
    },
  });
  if ("problems" in r) throw new Error(JSON.stringify(r.problems));
  return r.limiter;
});
const metricsFor = (i: number, tick: number) => ({ "_base.pod": 3, "v1.pod": 1, "_base.rps": 5 + ((i + tick) % 60), "_base.rt99": 100 + ((i * 7 + tick) % 300), "v1.rps": 2 + (i % 5) + tick / 10 });
const places = limiters.map((l) => placementOf(l, mesh));

function cycle(tick: number, crd: boolean): { filters: number; policies: number } {
  let filters = 0;
  let policies = 0;
  const global = [];
  for (const [i, l] of limiters.entries()) {
    const ev = evaluateLimiter(l, metricsFor(i, tick));
    const efs = envoyFilters(l, ev, places[i]!, DEFAULT_RLS);
    if (crd) for (const ef of efs) if (validateAgainstCrd(ef).length) throw new Error("invalid EnvoyFilter");
    filters += efs.length;
    policies += inboundPolicies(l, ev, places[i]!).length;
    global.push(...rlsDescriptors(l, ev));
  }
  rlsConfigMap(global);
  return { filters, policies };
}

const time = (f: () => unknown) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
for (let i = 0; i < 3; i++) cycle(i, false);
const pure = stats(Array.from({ length: 20 }, (_, k) => time(() => cycle(k, false))));
const sample = cycle(0, false);
cycle(0, true); // compiles the EnvoyFilter schema once
const withCrd = stats(Array.from({ length: 10 }, (_, k) => time(() => cycle(k, true))));
console.log(`1,000 limiters x 3 descriptors: p50 ${pure.p50.toFixed(1)} ms (max ${pure.max.toFixed(1)}); with CRD validation p50 ${withCrd.p50.toFixed(1)} ms; ${sample.filters} EnvoyFilters, ${sample.policies} inbound policies`);

// The console's controller: metrics read through a traffic source that answers at once.
const registry = new MemoryRegistry();
registry.update((w) => {
  for (const s of mesh.services) w.upsertService(s);
  for (const e of mesh.endpoints) w.upsertEndpoint(e);
});
let tick = 0;
// Per workload, as Prometheus answers the controller's two telemetry queries.
const workloads = [...new Set(mesh.endpoints.map((e) => `${e.namespace}/${e.workload}`))];
const source: TrafficSource = {
  kind: "demo",
  description: "bench",
  rates: async (q) =>
    workloads.flatMap((w, i) => {
      const [ns, wl] = w.split("/") as [string, string];
      const labels = { destination_workload_namespace: ns, destination_workload: wl };
      // As Prometheus would: only the series the query's labels select.
      if (!matches({ reporter: "destination", ...labels }, q.match)) return [];
      const rps = 2 + ((i + tick) % 30);
      if (q.metric === "istio_requests_total") return [{ labels, value: rps }];
      return [[50, 0.5], [100, 0.8], [250, 0.95], [1000, 1], [Infinity, 1]].map(([le, share]) => ({ labels: { ...labels, le: le === Infinity ? "+Inf" : String(le) }, value: rps * share! }));
    }),
  rateRange: async () => [],
  quantiles: async () => [],
};
const stored: StoredLimiter[] = limiters.map((limiter, i) => ({ id: `id-${i}`, revision: 1, limiter }));
const controller = new LimiterController({ registry, load: async () => stored, inputs: () => ({ traffic: source, prometheus: undefined, handlers: {}, windowSeconds: 60 }), intervalMs: 3_600_000, rls: DEFAULT_RLS, onPolicies: () => policiesChanged(), log: quietLog });
let policiesChanged = () => {};
await controller.start();
controller.stop();
const full = stats(
  await (async () => {
    const out: number[] = [];
    for (let k = 0; k < 10; k++) {
      tick = k;
      const t = performance.now();
      await controller.evaluateNow();
      out.push(performance.now() - t);
    }
    return out;
  })(),
);
console.log(`controller cycle (metrics collected, changed EnvoyFilters CRD-checked, statuses kept): p50 ${full.p50.toFixed(1)} ms (max ${full.max.toFixed(1)})`);

// A save: one limiter with a new quota, evaluated alone among the 1,000: its EnvoyFilter is re-checked
// against the CRD and its inbound policy changes, so xDS's policy list is rebuilt.
const save = stats(
  await (async () => {
    const out: number[] = [];
    for (let k = 0; k < 20; k++) {
      const one = stored[k * 37]!;
      const limiter = structuredClone(one.limiter);
      limiter.spec.sets._base!.descriptor[0]!.action.quota = String(101 + k);
      limiter.spec.sets._base!.descriptor[0]!.condition = "true";
      let announced = false;
      policiesChanged = () => (announced = true);
      const t = performance.now();
      await controller.evaluateOne({ id: one.id, revision: one.revision + 1 + k, limiter });
      out.push(performance.now() - t);
      if (!announced) throw new Error("the save did not change the inbound policies");
    }
    return out;
  })(),
);
console.log(`save (one limiter evaluated among 1,000, aggregates republished): p50 ${save.p50.toFixed(1)} ms (max ${save.max.toFixed(1)}), ${(full.p50 / save.p50).toFixed(0)}x less than a cycle`);

recordResult("SmartLimiter evaluation", [
  "Command: `npx tsx bench/limiter/run.ts`. 1,000 SmartLimiters (one per service of a 1,000-service mesh, 3,000 pods), 3 descriptors each: a single-strategy limit with a condition on rps, an average-strategy limit on a header match with a condition on rt99 or rps, a global limit for subset v1 whose quota follows its rps. Metric values given (they change every cycle, so conditions flip and quotas move). A cycle: every condition and quota, token buckets and rate limit service units, every EnvoyFilter, the inbound policies for xDS, and the rate limit service's ConfigMap. Target: under 100 ms per cycle.",
  "",
  "| measure | result |",
  "|---|---|",
  `| evaluation cycle, p50 (min-max) | ${pure.p50.toFixed(1)} ms (${pure.min.toFixed(1)}-${pure.max.toFixed(1)}) |`,
  `| the same with every EnvoyFilter checked against Istio's CRD schema, p50 (min-max) | ${withCrd.p50.toFixed(1)} ms (${withCrd.min.toFixed(1)}-${withCrd.max.toFixed(1)}) |`,
  `| the console's controller cycle (telemetry for 3,000 workloads read in two queries from a source that answers at once, per-set rps and rt quantiles, changed EnvoyFilters checked against the CRD, statuses kept), p50 (min-max) | ${full.p50.toFixed(1)} ms (${full.min.toFixed(1)}-${full.max.toFixed(1)}) |`,
  `| a save: one limiter with a new quota evaluated alone among the 1,000 (its EnvoyFilter CRD-checked, xDS's inbound policy list rebuilt), p50 (min-max) | ${save.p50.toFixed(1)} ms (${save.min.toFixed(1)}-${save.max.toFixed(1)}); a cycle is ${(full.p50 / save.p50).toFixed(0)}x that |`,
  `| output of one cycle | ${sample.filters} EnvoyFilters, ${sample.policies} inbound policies |`,
]);
process.exit(0);
