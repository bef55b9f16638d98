import type { QuantileSample, RateQuery, RateSample, TrafficSource } from "../source";
import { type GraphSamples, QUANTILES } from "./build";
import { EDGE_LABELS, LATENCY_LABELS, REQUEST_LABELS } from "./traffic";

/**
 * The queries behind one graph, the ones Kiali runs: for each namespace,
 * traffic into it as its destinations report it, and traffic out of it as its
 * sources report it (which includes calls to destinations outside the mesh).
 * Namespaces are queried concurrently; results are merged, and the builder
 * keeps one reporter per flow.
 */
export const REQUESTS = "istio_requests_total";
export const DURATION = "istio_request_duration_milliseconds";
export const TCP_SENT = "istio_tcp_sent_bytes_total";
export const TCP_RECEIVED = "istio_tcp_received_bytes_total";
export const GRAPH_METRICS = [REQUESTS, `${DURATION}_bucket`, `${DURATION}_sum`, `${DURATION}_count`, TCP_SENT, TCP_RECEIVED];

const sides = (ns: string) =>
  [
    { reporter: "destination", destination_workload_namespace: ns },
    { reporter: "source", source_workload_namespace: ns },
  ] as const;

/**
 * Latency is read from the same side as the requests of a flow: the source's
 * report, or the destination's when the source is outside the mesh (the only
 * case where sources do not report). Asking only for those halves the number
 * of histogram series fetched, the largest part of a graph's data.
 */
const latencySides = (ns: string) =>
  [
    { reporter: "source", source_workload_namespace: ns },
    { reporter: "destination", destination_workload_namespace: ns, source_workload: "unknown" },
  ] as const;

export function graphQueries(namespace: string, windowSeconds: number): Record<keyof GraphSamples, RateQuery[]> {
  const q = (metric: string, by: readonly string[]) => sides(namespace).map((match) => ({ metric, match: { ...match }, by: [...by], windowSeconds }));
  const lat = (metric: string, by: readonly string[]) => latencySides(namespace).map((match) => ({ metric, match: { ...match }, by: [...by], windowSeconds }));
  return {
    requests: q(REQUESTS, REQUEST_LABELS),
    latencyQuantiles: lat(`${DURATION}_bucket`, LATENCY_LABELS),
    latencySum: lat(`${DURATION}_sum`, LATENCY_LABELS),
    latencyCount: lat(`${DURATION}_count`, LATENCY_LABELS),
    tcpSent: q(TCP_SENT, EDGE_LABELS),
    tcpReceived: q(TCP_RECEIVED, EDGE_LABELS),
  };
}

/** Runs every query of every namespace, at most `concurrency` at a time; fails if any fails. */
export async function fetchGraphSamples(
  source: TrafficSource,
  namespaces: string[],
  windowSeconds: number,
  at: Date,
  concurrency: number,
  signal?: AbortSignal,
): Promise<GraphSamples> {
  const jobs: { field: keyof GraphSamples; query: RateQuery }[] = [];
  for (const ns of [...namespaces].sort()) {
    for (const [field, queries] of Object.entries(graphQueries(ns, windowSeconds)) as [keyof GraphSamples, RateQuery[]][]) {
      for (const query of queries) jobs.push({ field, query });
    }
  }
  const results: (RateSample | QuantileSample)[][] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i]!;
      results[i] = job.field === "latencyQuantiles" ? await source.quantiles(job.query, QUANTILES, at, signal) : await source.rates(job.query, at, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  const out: GraphSamples = { requests: [], latencyQuantiles: [], latencySum: [], latencyCount: [], tcpSent: [], tcpReceived: [] };
  // A sample can come back from two namespaces' queries only if it matches both; keep it once.
  const seen = new Set<string>();
  jobs.forEach((job, i) => {
    for (const s of results[i]!) {
      const key = job.field + ("quantile" in s ? s.quantile : "") + JSON.stringify(Object.entries(s.labels).sort());
      if (seen.has(key)) continue;
      seen.add(key);
      (out[job.field] as (RateSample | QuantileSample)[]).push(s);
    }
  });
  return out;
}
