import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoMesh } from "../../demo/mesh";
import { MemoryRegistry } from "../../mesh/registry";
import { quietLog } from "../../testing/databases";
import { type RunningPrometheus, freePort, startPrometheus, waitForSamples } from "../../testing/prometheus";
import { DemoTrafficSource } from "../demo-source";
import { PrometheusClient, PrometheusError } from "../prometheus";
import { PrometheusTrafficSource } from "../prometheus-source";
import { GRAPH_METRICS } from "./fetch";
import { fetchLatency, fetchSeries } from "./series";
import { GraphService } from "./service";
import type { Graph, Latency } from "./types";

/**
 * The graph from a real Prometheus scraping the real demo mesh. The load
 * generator's own count of what it sent is the truth the rates are held to.
 */
const RPS = 20;
const WINDOW = 15;

describe("the service graph from a real Prometheus", () => {
  const registry = new MemoryRegistry();
  const mesh = new DemoMesh({ registry, log: quietLog, host: "127.0.0.1", metricsPort: 0, requestsPerSecond: RPS, ratingsErrorRate: 0.1 });
  let prom: RunningPrometheus;
  let graph: Graph;
  let demoGraph: Graph;
  let avgGraph: Graph;
  let latencyOfEdge: Latency;
  let sentRate = 0;
  const demoSource = new DemoTrafficSource({ collect: () => mesh.telemetry.readings(), metrics: GRAPH_METRICS, sampleIntervalMs: 1000, retentionSeconds: 120 });

  beforeAll(async () => {
    await mesh.start();
    demoSource.start();
    prom = await startPrometheus([new URL(mesh.metricsUrl).host], "1s");
    await waitForSamples(prom.url, "istio_requests_total", WINDOW + 5, 90_000);
    const before = mesh.loadGenerator.snapshot().sent;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW * 1000));
    sentRate = ((mesh.loadGenerator.snapshot().sent - before) * 1000) / (Date.now() - t0);
    const client = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 5000 });
    // Every query at one instant, a couple of scrapes back (all its samples are in), so the graph's and
    // the side panel's answers come from the same data however long the queries take.
    const at = new Date(Date.now() - 2000);
    const service = new GraphService({ source: new PrometheusTrafficSource(client), registry, cacheSeconds: 0, healthRules: [], now: () => at });
    graph = await service.graph({ namespaces: ["default"], graphType: "workload", windowSeconds: WINDOW, idle: false, injectServiceNodes: false, responseTime: "p95" });
    avgGraph = await service.graph({ namespaces: ["default"], graphType: "workload", windowSeconds: WINDOW, idle: false, injectServiceNodes: false, responseTime: "avg" });
    latencyOfEdge = await fetchLatency(new PrometheusTrafficSource(client), "wl:default:productpage-v1>wl:default:reviews-v3>grpc", WINDOW, at);
    const fromDemo = new GraphService({ source: demoSource, registry, cacheSeconds: 0, healthRules: [] });
    demoGraph = await fromDemo.graph({ namespaces: ["default"], graphType: "workload", windowSeconds: WINDOW, idle: false, injectServiceNodes: false, responseTime: "none" });
  }, 150_000);

  afterAll(async () => {
    demoSource.stop();
    await prom?.stop();
    await mesh.stop();
  });

  const edge = (g: Graph, src: string, dst: string) => {
    const e = g.edges.find((x) => x.source === src && x.target === dst);
    if (!e) throw new Error(`no edge ${src} -> ${dst}; edges: ${g.edges.map((x) => x.id).join(", ")}`);
    return e;
  };
  const within = (actual: number, expected: number, tolerance = 0.15) => {
    expect(actual, `${actual} should be within ${tolerance * 100}% of ${expected}`).toBeGreaterThanOrEqual(expected * (1 - tolerance));
    expect(actual, `${actual} should be within ${tolerance * 100}% of ${expected}`).toBeLessThanOrEqual(expected * (1 + tolerance));
  };

  it("has every Bookinfo edge with rates within 15% of what the load generator sent", () => {
    expect(sentRate).toBeGreaterThan(RPS * 0.8);
    within(edge(graph, "unknown", "wl:default:productpage-v1").rps, sentRate);
    within(edge(graph, "wl:default:productpage-v1", "wl:default:details-v1").rps, sentRate);
    for (const v of ["v1", "v2", "v3"]) within(edge(graph, "wl:default:productpage-v1", `wl:default:reviews-${v}`).rps, sentRate / 3);
    for (const v of ["v2", "v3"]) within(edge(graph, `wl:default:reviews-${v}`, "wl:default:ratings-v1").rps, sentRate / 3);
    expect(graph.edges.some((e) => e.source === "wl:default:reviews-v1" && e.target === "wl:default:ratings-v1")).toBe(false);
    expect(graph.source.kind).toBe("prometheus");
  });

  it("reports inside-mesh edges from the source and traffic from outside from the destination", () => {
    expect(edge(graph, "unknown", "wl:default:productpage-v1").reporter).toBe("destination");
    expect(edge(graph, "wl:default:productpage-v1", "wl:default:details-v1").reporter).toBe("source");
  });

  it("shows the failing ratings calls as errors, and health follows Kiali's thresholds", () => {
    for (const v of ["v2", "v3"]) {
      const e = edge(graph, `wl:default:reviews-${v}`, "wl:default:ratings-v1");
      expect(e.errorPercent).toBeGreaterThan(2);
      expect(e.errorPercent).toBeLessThan(25);
      expect(e.responseCodes["503"]).toBeGreaterThan(0);
      expect(e.grpcCodes["14"]).toBeGreaterThan(0);
      expect(e.protocol).toBe("grpc");
      expect(e.health).toBe(e.grpcErrorPercent >= 10 ? "failure" : "degraded");
    }
    const ratings = graph.nodes.find((n) => n.id === "wl:default:ratings-v1")!;
    expect(ratings.traffic.inErrorPercent).toBeGreaterThan(2);
    expect(ratings.health).toBe(ratings.traffic.inGrpcErrorPercent >= 10 ? "failure" : "degraded");
    expect(graph.nodes.find((n) => n.id === "wl:default:details-v1")!.health).toBe("healthy");
  });

  it("has latency percentiles for request edges", () => {
    const e = edge(graph, "wl:default:productpage-v1", "wl:default:reviews-v3");
    expect(e.latency.p95).toBeGreaterThan(0);
    // All three quantiles come from the same merged buckets.
    expect(e.latency.p50!).toBeLessThanOrEqual(e.latency.p95!);
    expect(e.latency.p95!).toBeLessThanOrEqual(e.latency.p99!);
    const avg = edge(avgGraph, "wl:default:productpage-v1", "wl:default:reviews-v3").latency.avg!;
    // reviews v3 is the slow version (8-15 ms of work)
    expect(avg).toBeGreaterThan(8);
    expect(avg).toBeGreaterThan(edge(avgGraph, "wl:default:productpage-v1", "wl:default:reviews-v1").latency.avg!);
    // The side panel's targeted query gives all quantiles of one edge, consistent with the graph's.
    expect(latencyOfEdge.p50).toBeGreaterThan(0);
    expect(latencyOfEdge.p99!).toBeGreaterThanOrEqual(latencyOfEdge.p95!);
    expect(latencyOfEdge.p95!).toBeGreaterThanOrEqual(latencyOfEdge.p50!);
    expect(Math.abs(latencyOfEdge.p95! - e.latency.p95!)).toBeLessThan(e.latency.p95! * 0.25);
  });

  it("gives the same graph shape from the demo's own telemetry as from Prometheus", () => {
    expect(demoGraph.nodes.map((n) => n.id)).toEqual(graph.nodes.map((n) => n.id));
    expect(demoGraph.edges.map((e) => e.id)).toEqual(graph.edges.map((e) => e.id));
    expect(demoGraph.edges.every((e) => e.latency.p95 === null && e.latency.avg === null)).toBe(true);
    within(edge(demoGraph, "unknown", "wl:default:productpage-v1").rps, sentRate);
    expect(demoGraph.source.kind).toBe("demo");
  });

  it("gives a node's recent history for the sparkline", async () => {
    const points = await fetchSeries(new PrometheusTrafficSource(new PrometheusClient({ baseUrl: prom.url, timeoutMs: 5000 })), "wl:default:ratings-v1", 1, new Date());
    expect(points.length).toBeGreaterThan(2);
    const last = points[points.length - 1]!;
    expect(last.rps).toBeGreaterThan(0);
    expect(last.errorRps).toBeGreaterThan(0);
  });

  it("says what is wrong with a bad query, in Prometheus's words", async () => {
    const client = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 5000 });
    const err = await client.query("sum(rate(", new Date()).catch((e) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err.failure).toBe("bad_query");
    expect(err.message).toMatch(/Prometheus is unavailable: Prometheus answered 400 \(bad_data\): .*parse error/);
  });
});

describe("Prometheus unreachable or slow", () => {
  it("fails fast with 'unreachable' when nothing listens", async () => {
    const client = new PrometheusClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2000 });
    const err = await client.query("up", new Date()).catch((e) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err.failure).toBe("unreachable");
    expect(err.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it("gives up after its timeout when Prometheus does not answer", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s)).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const client = new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 });
      const started = Date.now();
      const err = await client.query("up", new Date()).catch((e) => e);
      expect(err.failure).toBe("timeout");
      expect(err.message).toContain("no answer from");
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});
