/**
 * Builder time for a 1,000-service / 3,000-edge mesh: the samples the graph
 * queries return for it (requests by code and reporter, latency buckets, sums,
 * counts), built into a workload graph again and again.
 * Run: npx tsx bench/graph/builder.ts
 */
import { buildGraph, type GraphSamples } from "../../server/metrics/graph/build";
import type { RateSample } from "../../server/metrics/source";
import { DURATION_BUCKETS_MS } from "../../server/demo/telemetry";
import { recordResult, stats } from "../lib/results";
import { edgeLabels, syntheticMesh } from "./synthetic";

const edges = syntheticMesh();
const samples: GraphSamples = { requests: [], latencyBuckets: [], latencySum: [], latencyCount: [], tcpSent: [], tcpReceived: [] };
for (const e of edges) {
  for (const reporter of ["source", "destination"] as const) {
    const base = edgeLabels(e, reporter);
    const withProto = { ...base, request_protocol: "http" };
    samples.requests.push({ labels: { ...withProto, response_code: "200", grpc_response_status: "", response_flags: "-" }, value: e.rps * (1 - e.errorShare) });
    if (e.errorShare > 0) samples.requests.push({ labels: { ...withProto, response_code: "503", grpc_response_status: "", response_flags: "-" }, value: e.rps * e.errorShare });
    // The latency queries return the source's report for flows inside the mesh (fetch.ts).
    if (reporter !== "source") continue;
    // The graph with a quantile response time (its heaviest mode) fetches every bucket of every flow.
    DURATION_BUCKETS_MS.forEach((le, i) => samples.latencyBuckets.push({ labels: { ...withProto, le: String(le) }, value: e.rps * e.cumulative[i]! }));
    samples.latencyBuckets.push({ labels: { ...withProto, le: "+Inf" }, value: e.rps });
    samples.latencySum.push({ labels: withProto, value: e.rps * 50 });
    samples.latencyCount.push({ labels: withProto, value: e.rps });
  }
}
const count = (l: RateSample[]) => l.length;
const opts = {
  graphType: "workload" as const,
  namespaces: [...new Set(edges.map((e) => e.src.ns))],
  windowSeconds: 60,
  idle: false,
  injectServiceNodes: false,
  healthRules: [],
  timestamp: new Date("2026-11-21T00:00:00Z"),
  source: { kind: "prometheus" as const, description: "bench" },
};

const RUNS = 50;
for (let i = 0; i < 5; i++) buildGraph(samples, opts); // warm up the JIT
const times: number[] = [];
let graph = buildGraph(samples, opts);
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  graph = buildGraph(samples, opts);
  times.push(performance.now() - t);
}
const s = stats(times);
const leaves = graph.nodes.filter((n) => n.kind !== "box").length;
console.log(`builder: ${leaves} nodes, ${graph.edges.length} edges from ${count(samples.requests)} request + ${count(samples.latencyBuckets)} latency-bucket samples: p50 ${s.p50.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)})`);
recordResult("Graph builder", [
  `Command: \`npx tsx bench/graph/builder.ts\`. Workload graph of a synthetic mesh: ${leaves} nodes, ${graph.edges.length} edges, built from ${count(samples.requests)} request samples, ${count(samples.latencyBuckets)} latency bucket samples and ${count(samples.latencySum) * 2} sum/count samples (the most the graph fetches: requests from both reporters, latency from the source's). ${RUNS} runs after 5 warm-up runs. Target: p50 under 100 ms.`,
  "",
  "| p50 | min | max |",
  "|---|---|---|",
  `| ${s.p50.toFixed(1)} ms | ${s.min.toFixed(1)} ms | ${s.max.toFixed(1)} ms |`,
]);
