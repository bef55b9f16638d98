import type { LabelMatcher, RateQuery, RateSample, TrafficSource } from "../source";
import type { GraphSamples } from "./build";
import { EDGE_LABELS, REQUEST_LABELS } from "./traffic";

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

/** What response time the graph carries on its edges (Kiali's "responseTime" appender). */
export type ResponseTime = "none" | "avg" | "p50" | "p95" | "p99";
export const RESPONSE_TIMES: ResponseTime[] = ["none", "avg", "p50", "p95", "p99"];

/** Namespaces per query: one query per kind for many namespaces, chunks run concurrently. */
export const NAMESPACES_PER_QUERY = 10;

/** Labels latency is grouped by: what identifies a flow (the builder joins on these). */
const FLOW_LATENCY_LABELS = [
  "source_workload_namespace",
  "source_workload",
  "destination_service_namespace",
  "destination_service_name",
  "destination_workload_namespace",
  "destination_workload",
  "reporter",
  "request_protocol",
];

const inNs = (namespaces: string[]) => (namespaces.length === 1 ? namespaces[0]! : { anyOf: namespaces });

const sides = (ns: string[]) =>
  [
    { reporter: "destination", destination_workload_namespace: inNs(ns) },
    { reporter: "source", source_workload_namespace: inNs(ns) },
  ] as const;

/**
 * Latency is read from the same side as the requests of a flow: the source's
 * report, or the destination's when the source is outside the mesh (the only
 * case where sources do not report). Asking only for those halves the
 * histogram series read, the most expensive part of a graph.
 */
const latencySides = (ns: string[]) =>
  [
    { reporter: "source", source_workload_namespace: inNs(ns) },
    // Callers outside the selected namespaces (or outside the mesh): their flows' requests are read
    // from the destination's report (sides above), so their latency is too.
    { reporter: "destination", destination_workload_namespace: inNs(ns), source_workload_namespace: { noneOf: ns } },
  ] as const;

export interface GraphQuery {
  field: keyof GraphSamples;
  query: RateQuery;
}

export function graphQueries(namespaces: string[], windowSeconds: number, responseTime: ResponseTime = "none"): GraphQuery[] {
  const q = (field: keyof GraphSamples, metric: string, by: readonly string[], s: readonly Record<string, LabelMatcher>[] = sides(namespaces)) =>
    s.map((match) => ({ field, query: { metric, match: { ...match }, by: [...by], windowSeconds } }));
  const out: GraphQuery[] = [
    ...q("requests", REQUESTS, REQUEST_LABELS),
    ...q("tcpSent", TCP_SENT, EDGE_LABELS),
    ...q("tcpReceived", TCP_RECEIVED, EDGE_LABELS),
  ];
  if (responseTime === "avg") {
    out.push(...q("latencySum", `${DURATION}_sum`, FLOW_LATENCY_LABELS, latencySides(namespaces)));
    out.push(...q("latencyCount", `${DURATION}_count`, FLOW_LATENCY_LABELS, latencySides(namespaces)));
  } else if (responseTime !== "none") {
    out.push(...q("latencyBuckets", `${DURATION}_bucket`, [...FLOW_LATENCY_LABELS, "le"], latencySides(namespaces)));
  }
  return out;
}

/** Runs every query for every chunk of namespaces, at most `concurrency` at a time; fails if any fails. */
export async function fetchGraphSamples(
  source: TrafficSource,
  namespaces: string[],
  windowSeconds: number,
  at: Date,
  concurrency: number,
  responseTime: ResponseTime = "none",
  signal?: AbortSignal,
): Promise<GraphSamples> {
  const sorted = [...new Set(namespaces)].sort();
  const jobs: GraphQuery[] = [];
  for (let i = 0; i < sorted.length; i += NAMESPACES_PER_QUERY) jobs.push(...graphQueries(sorted.slice(i, i + NAMESPACES_PER_QUERY), windowSeconds, responseTime));
  const results: RateSample[][] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i]!;
      results[i] = await source.rates(job.query, at, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  // Each sample comes back from exactly one query: the queries partition series by
  // reporter and by the namespace of the reporting side, and chunks do not overlap.
  const out: GraphSamples = { requests: [], latencyBuckets: [], latencySum: [], latencyCount: [], tcpSent: [], tcpReceived: [] };
  jobs.forEach((job, i) => out[job.field].push(...results[i]!));
  return out;
}
