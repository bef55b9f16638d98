import { describeError } from "../errors";
import type { MeshSnapshot } from "../mesh/model";
import { candidatePods, meshIndex } from "../mesh/index";
import { VERSION_LABEL, selects } from "../mesh/model";
import type { PrometheusClient, VectorSample } from "../metrics/prometheus";
import { histogramQuantile } from "../metrics/histogram";
import type { TrafficSource } from "../metrics/source";
import { limiterVariables } from "./evaluate";
import { BASE_SET, type SmartLimiter } from "./schema";

/**
 * The metric values a SmartLimiter's expressions read, per set ("_base",
 * or a subset: the pods with that version label):
 *  - `pod`: its ready pods, counted from the registry (as Slime counts them);
 *  - `rps`, `rt50`, `rt90`, `rt99`: its request rate (per second) and response
 *    time quantiles (ms), from Istio's standard telemetry through the traffic
 *    source: Prometheus, or the demo mesh's own telemetry when there is none;
 *  - any named PromQL handler (`cpu.sum`, `cpu.max`, `memory.sum`,
 *    `memory.max` built in, more from SEXTANT_LIMITER_HANDLERS), queried
 *    from Prometheus with $namespace, $pod_name, $workload and $service
 *    replaced (regex alternations for names).
 * Only the variables a limiter reads are fetched. A metric that cannot be
 * read is left out (the expression then says which variable is unknown) and
 * the reason is returned.
 */
export const DEFAULT_HANDLERS: Record<string, string> = {
  "cpu.sum": 'sum(rate(container_cpu_usage_seconds_total{namespace="$namespace",pod=~"$pod_name",image=""}[1m]))',
  "cpu.max": 'max(rate(container_cpu_usage_seconds_total{namespace="$namespace",pod=~"$pod_name",image=""}[1m]))',
  "memory.sum": 'sum(container_memory_working_set_bytes{namespace="$namespace",pod=~"$pod_name",image=""})',
  "memory.max": 'max(container_memory_working_set_bytes{namespace="$namespace",pod=~"$pod_name",image=""})',
};

const TELEMETRY = new Set(["rps", "rt50", "rt90", "rt99"]);

export interface MetricInputs {
  mesh: MeshSnapshot;
  traffic: TrafficSource | undefined;
  prometheus: PrometheusClient | undefined;
  handlers: Record<string, string>;
  /** Rate window for rps and the rt quantiles. */
  windowSeconds: number;
  /** Telemetry fetched once for many limiters (or why it could not be); fetched per limiter when absent. */
  telemetry?: Telemetry | Error;
  /** How handler queries reach Prometheus in a cycle over many limiters (see cycleQueries); directly when absent. */
  query?: (promql: string) => Promise<VectorSample[]>;
}

/**
 * Handler queries for one evaluation cycle: each distinct PromQL is asked
 * once (limiters on the same pods share it), and at most `concurrency` are in
 * flight at a time, so a cycle over a thousand limiters does not send
 * Prometheus a thousand queries at once.
 */
export function cycleQueries(prometheus: PrometheusClient, at: Date, concurrency = 8): (promql: string) => Promise<VectorSample[]> {
  const asked = new Map<string, Promise<VectorSample[]>>();
  const waiting: (() => void)[] = [];
  let active = 0;
  const acquire = () => (active < concurrency ? (active++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
  // A finished query hands its slot to the next waiting one, so the count never overshoots.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return (promql) => {
    let p = asked.get(promql);
    if (!p) {
      p = acquire().then(() => prometheus.query(promql, at).finally(release));
      asked.set(promql, p);
    }
    return p;
  };
}

/**
 * Istio's request telemetry per workload, two queries for any number of
 * limiters (a cycle over thousands would otherwise ask a few per limiter):
 * request rate, and cumulative duration-bucket rates to take a set's
 * quantiles from (histogram_quantile over the set's summed buckets).
 */
export interface Telemetry {
  /** Requests per second, by "namespace/workload". */
  rps: Map<string, number>;
  /** Bucket rates (upper bound in ms -> cumulative rate), by "namespace/workload". */
  buckets: Map<string, Map<number, number>>;
}

const WORKLOAD_LABELS = ["destination_workload_namespace", "destination_workload"];

export async function fetchTelemetry(traffic: TrafficSource, namespaces: string[], windowSeconds: number, at: Date, signal?: AbortSignal, workloads?: string[]): Promise<Telemetry> {
  const match = {
    reporter: "destination",
    destination_workload_namespace: { anyOf: [...new Set(namespaces)].sort() },
    // One limiter's workloads only, when evaluating it alone.
    ...(workloads ? { destination_workload: { anyOf: [...new Set(workloads)].sort() } } : {}),
  };
  const [rates, buckets] = await Promise.all([
    traffic.rates({ metric: "istio_requests_total", match, by: WORKLOAD_LABELS, windowSeconds }, at, signal),
    traffic.rates({ metric: "istio_request_duration_milliseconds_bucket", match, by: [...WORKLOAD_LABELS, "le"], windowSeconds }, at, signal),
  ]);
  const key = (l: Record<string, string>) => `${l.destination_workload_namespace}/${l.destination_workload}`;
  const out: Telemetry = { rps: new Map(), buckets: new Map() };
  for (const r of rates) out.rps.set(key(r.labels), (out.rps.get(key(r.labels)) ?? 0) + r.value);
  for (const b of buckets) {
    const m = out.buckets.get(key(b.labels)) ?? out.buckets.set(key(b.labels), new Map()).get(key(b.labels))!;
    const le = b.labels.le === "+Inf" ? Infinity : Number(b.labels.le);
    m.set(le, (m.get(le) ?? 0) + b.value);
  }
  return out;
}

/** Whether a limiter reads request telemetry (rps, rtNN). */
export function readsTelemetry(l: SmartLimiter): boolean {
  return limiterVariables(l).some((v) => TELEMETRY.has(v.slice(v.indexOf(".") + 1)));
}

/** Who a limiter is about: the service of its name (or its workload selector), and each set's pods. */
export interface LimiterPods {
  selector: Record<string, string>;
  service: string;
  pods: (set: string) => MeshSnapshot["endpoints"];
}

export function limiterPods(l: SmartLimiter, mesh: MeshSnapshot): LimiterPods {
  const ns = l.metadata.namespace;
  const svc = meshIndex(mesh).services.get(`${ns}/${l.spec.host?.split(".")[0] || l.metadata.name}`);
  const selector = l.spec.workloadSelector && Object.keys(l.spec.workloadSelector).length ? l.spec.workloadSelector : (svc?.selector ?? {});
  const pool = candidatePods(mesh, ns, selector);
  return {
    selector,
    service: svc?.hostname ?? `${l.metadata.name}.${ns}.svc.cluster.local`,
    pods: (set) => pool.filter((e) => e.ready && selects(selector, e.labels) && (set === BASE_SET || e.labels[VERSION_LABEL] === set)),
  };
}

const alternation = (xs: string[]) => (xs.length ? [...new Set(xs)].sort().map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") : "^$");

export async function collectMetrics(l: SmartLimiter, inputs: MetricInputs, at: Date = new Date(), signal?: AbortSignal): Promise<{ values: Record<string, number>; problems: string[] }> {
  const who = limiterPods(l, inputs.mesh);
  const values: Record<string, number> = {};
  const problems: string[] = [];
  const handlers = { ...DEFAULT_HANDLERS, ...inputs.handlers };
  let telemetry = inputs.telemetry;
  if (!telemetry && inputs.traffic && readsTelemetry(l)) {
    const workloads = who.pods(BASE_SET).map((p) => p.workload);
    telemetry = workloads.length
      ? await fetchTelemetry(inputs.traffic, [l.metadata.namespace], inputs.windowSeconds, at, signal, workloads).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))
      : { rps: new Map(), buckets: new Map() };
  }
  await Promise.all(
    limiterVariables(l).map(async (v) => {
      const dot = v.indexOf(".");
      const set = v.slice(0, dot);
      const metric = v.slice(dot + 1);
      const pods = who.pods(set);
      try {
        if (metric === "pod") {
          values[v] = pods.length;
        } else if (TELEMETRY.has(metric)) {
          if (!inputs.traffic || !telemetry) throw new Error("no traffic source (set PROMETHEUS_URL, or run the demo mesh)");
          if (telemetry instanceof Error) throw telemetry;
          const keys = [...new Set(pods.map((p) => `${p.namespace}/${p.workload}`))];
          if (metric === "rps") {
            values[v] = keys.reduce((a, k) => a + (telemetry.rps.get(k) ?? 0), 0);
          } else {
            // histogram_quantile over the set's buckets summed by bound, as PromQL would.
            const merged = new Map<number, number>();
            for (const k of keys) for (const [le, rate] of telemetry.buckets.get(k) ?? []) merged.set(le, (merged.get(le) ?? 0) + rate);
            const x = histogramQuantile(Number(metric.slice(2)) / 100, merged);
            if (x === null || !Number.isFinite(x)) throw new Error("no requests in the window");
            values[v] = x;
          }
        } else if (handlers[metric]) {
          if (!inputs.prometheus) throw new Error(`the handler ${metric} is a Prometheus query, and no Prometheus is configured (PROMETHEUS_URL)`);
          const promql = handlers[metric]!.replaceAll("$namespace", l.metadata.namespace)
            .replaceAll("$pod_name", alternation(pods.map((p) => p.pod)))
            .replaceAll("$workload", alternation(pods.map((p) => p.workload)))
            .replaceAll("$service", who.service);
          const rows = await (inputs.query ? inputs.query(promql) : inputs.prometheus.query(promql, at, signal));
          if (rows.length === 0) throw new Error(`the query returned no samples: ${promql}`);
          values[v] = rows.reduce((a, r) => a + r.value, 0);
        } else {
          throw new Error(`unknown metric ${JSON.stringify(metric)}; known: pod, rps, rt50, rt90, rt99, ${Object.keys(handlers).sort().join(", ")}`);
        }
      } catch (e) {
        problems.push(`{{.${v}}}: ${describeError(e)}`);
      }
    }),
  );
  problems.sort();
  return { values: Object.fromEntries(Object.keys(values).sort().map((k) => [k, values[k]!])), problems };
}
