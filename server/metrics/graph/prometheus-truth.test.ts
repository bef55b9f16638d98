import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../../mesh/registry";
import { type RunningPrometheus, startPrometheus, waitForSamples } from "../../testing/prometheus";
import { PrometheusClient } from "../prometheus";
import { PrometheusTrafficSource } from "../prometheus-source";
import { GraphService } from "./service";
import type { Graph } from "./types";

/**
 * Latency on the graph against a real Prometheus holding a mesh whose truth is
 * known: an exporter (written here) whose counters grow at fixed rates and
 * whose histograms put every request of a flow in one bucket. What the graph
 * says is held to the truth and to Prometheus's own histogram_quantile over
 * the same series (issue 12, point 7).
 */
const W = 20; // query window, seconds
const BUCKETS = [5, 10, 25, 50, 100, 250];

interface Flow {
  src: { ns: string; wl: string; app: string; version: string };
  dst: { ns: string; wl: string; app: string; version: string };
  rps: number;
  /** Every request's duration falls in the bucket with this upper bound. */
  le: number;
}
const wl = (ns: string, app: string, version: string) => ({ ns, wl: `${app}-${version}`, app, version });
const FLOWS: Flow[] = [
  { src: wl("default", "productpage", "v1"), dst: wl("default", "reviews", "v1"), rps: 10, le: 10 },
  { src: wl("default", "productpage", "v1"), dst: wl("default", "reviews", "v3"), rps: 10, le: 250 },
  // A caller in a namespace the graph does not select.
  { src: wl("other", "client", "v1"), dst: wl("default", "details", "v1"), rps: 5, le: 50 },
];

function exposition(elapsed: number): string {
  const lines = ["# TYPE istio_requests_total counter", "# TYPE istio_request_duration_milliseconds histogram"];
  for (const f of FLOWS) {
    for (const reporter of ["source", "destination"]) {
      const l = [
        `reporter="${reporter}"`,
        `source_workload="${f.src.wl}"`, `source_workload_namespace="${f.src.ns}"`, `source_app="${f.src.app}"`, `source_version="${f.src.version}"`,
        `destination_workload="${f.dst.wl}"`, `destination_workload_namespace="${f.dst.ns}"`, `destination_app="${f.dst.app}"`, `destination_version="${f.dst.version}"`,
        `destination_service_name="${f.dst.app}"`, `destination_service_namespace="${f.dst.ns}"`, `request_protocol="http"`,
      ].join(",");
      const n = f.rps * elapsed;
      lines.push(`istio_requests_total{${l},response_code="200",grpc_response_status="",response_flags="-"} ${n}`);
      for (const b of BUCKETS) lines.push(`istio_request_duration_milliseconds_bucket{${l},le="${b}"} ${b >= f.le ? n : 0}`);
      lines.push(`istio_request_duration_milliseconds_bucket{${l},le="+Inf"} ${n}`);
      lines.push(`istio_request_duration_milliseconds_sum{${l}} ${n * (f.le - 1)}`);
      lines.push(`istio_request_duration_milliseconds_count{${l}} ${n}`);
    }
  }
  return lines.join("\n") + "\n";
}

describe("graph latency against a real Prometheus with known truth", () => {
  let exporter: http.Server;
  let prom: RunningPrometheus;
  let client: PrometheusClient;
  let at: Date;
  let workloads: Graph;
  let apps: Graph;
  const t0 = Date.now();

  beforeAll(async () => {
    exporter = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition((Date.now() - t0) / 1000)));
    await new Promise<void>((r) => exporter.listen(0, "127.0.0.1", r));
    prom = await startPrometheus([`127.0.0.1:${(exporter.address() as AddressInfo).port}`], "1s");
    await waitForSamples(prom.url, "istio_requests_total", W + 3, 90_000);
    client = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 5000 });
    at = new Date(Date.now() - 2000);
    const service = new GraphService({ source: new PrometheusTrafficSource(client), registry: new MemoryRegistry(), cacheSeconds: 0, healthRules: [], now: () => at });
    const q = { namespaces: ["default"], windowSeconds: W, idle: false, injectServiceNodes: false, responseTime: "p95" as const };
    workloads = await service.graph({ ...q, graphType: "workload" });
    apps = await service.graph({ ...q, graphType: "app" });
  }, 150_000);

  afterAll(async () => {
    await prom?.stop();
    await new Promise((r) => exporter?.close(r));
  });

  /** Prometheus's own answer: histogram_quantile over the series summed by `le`. */
  const promQuantile = async (q: number, match: string) => {
    const r = await client.query(`histogram_quantile(${q}, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${match}}[${W}s])))`, at);
    return r[0]!.value;
  };
  const edge = (g: Graph, src: string, dst: string) => g.edges.find((e) => e.source === src && e.target === dst);

  it("an edge whose caller's namespace is not selected has its latency (from the destination's report)", async () => {
    const e = edge(workloads, "wl:other:client-v1", "wl:default:details-v1");
    expect(e, workloads.edges.map((x) => x.id).join(", ")).toBeDefined();
    // Truth: every request in (25, 50]: p95 = 25 + 25 * 0.95.
    expect(e!.latency.p95).toBeCloseTo(48.75, 1);
    expect(e!.latency.p95).toBeCloseTo(await promQuantile(0.95, `reporter="destination",source_workload="client-v1",destination_workload="details-v1"`), 1);
  });

  it("an app edge's p95 merges its flows' buckets, as histogram_quantile over their sum does", async () => {
    const e = edge(apps, "app:default:productpage", "app:default:reviews");
    expect(e, apps.edges.map((x) => x.id).join(", ")).toBeDefined();
    // Truth: 20 req/s, half in (5,10], half in (100,250]: rank 19 -> 100 + 150 * 9/10 = 235.
    // (The mean of the two flows' p95s, 9.75 and 242.5, would say 126.)
    const reference = await promQuantile(0.95, `reporter="source",source_app="productpage",destination_app="reviews"`);
    expect(reference).toBeCloseTo(235, 0);
    expect(e!.latency.p95).toBeCloseTo(reference, 1);
  });
});
