/**
 * A synthetic mesh for benchmarks: `services` services spread over namespaces,
 * each with one workload, each calling `fanout` others (3,000 edges for 1,000
 * services), traffic reported by both sides, some 503s, latency histograms
 * with Istio's buckets. Deterministic (seeded), so every run measures the same.
 */
import { DURATION_BUCKETS_MS } from "../../server/demo/telemetry";

export interface SyntheticEdge {
  src: { ns: string; wl: string; app: string };
  dst: { ns: string; wl: string; app: string };
  rps: number;
  errorShare: number;
  /** Share of requests under each bucket bound (cumulative). */
  cumulative: number[];
}

export function syntheticMesh(services = 1000, fanout = 3, namespaces = 20, seed = 42): SyntheticEdge[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const svc = (i: number) => {
    const ns = `ns-${String(i % namespaces).padStart(2, "0")}`;
    const app = `svc-${String(i).padStart(4, "0")}`;
    return { ns, wl: `${app}-v1`, app };
  };
  const edges: SyntheticEdge[] = [];
  for (let i = 0; i < services; i++) {
    const targets = new Set<number>();
    while (targets.size < fanout) {
      const t = Math.floor(rand() * services);
      if (t !== i) targets.add(t);
    }
    for (const t of [...targets].sort((a, b) => a - b)) {
      const median = 5 + rand() * 200;
      edges.push({
        src: svc(i),
        dst: svc(t),
        rps: Math.round((0.5 + rand() * 20) * 100) / 100,
        errorShare: rand() < 0.1 ? rand() * 0.2 : 0,
        cumulative: DURATION_BUCKETS_MS.map((le) => Math.min(1, 1 / (1 + Math.exp(-(Math.log(le) - Math.log(median)) * 2.5)))),
      });
    }
  }
  return edges;
}

export function edgeLabels(e: SyntheticEdge, reporter: "source" | "destination"): Record<string, string> {
  return {
    reporter,
    source_workload: e.src.wl,
    source_workload_namespace: e.src.ns,
    source_app: e.src.app,
    source_version: "v1",
    destination_workload: e.dst.wl,
    destination_workload_namespace: e.dst.ns,
    destination_app: e.dst.app,
    destination_version: "v1",
    destination_service_name: e.dst.app,
    destination_service_namespace: e.dst.ns,
  };
}
