import { BadRequestError } from "../../errors";
import type { LabelMatcher, RateQuery, TrafficSource } from "../source";
import { DURATION, REQUESTS } from "./fetch";
import type { Latency } from "./types";
import { UNKNOWN_NODE_ID } from "./nodes";

/**
 * The recent history of a node or an edge, for the side panel's sparkline:
 * requests per second and failed requests per second over the last minutes.
 * A node's history is the traffic into it; the unknown node's, the traffic out.
 */
export interface SeriesPoint {
  t: number;
  rps: number;
  errorRps: number;
}

/** Whether a request series counts as failed: HTTP 4xx/5xx, or a gRPC status other than OK. */
export function requestFailed(l: Record<string, string>): boolean {
  return Number(l.response_code) >= 400 || (l.request_protocol === "grpc" && !!l.grpc_response_status && l.grpc_response_status !== "0");
}

/** Label matchers that select the traffic into the node with this id, as its destination reports it. */
export function matchersForNode(id: string, side: "source" | "destination"): Record<string, LabelMatcher> {
  if (id === UNKNOWN_NODE_ID) return { [`${side}_workload`]: "unknown" };
  const [kind, ns, a, b] = id.split(":");
  if (!ns || !a) throw new BadRequestError(`not a graph node id: ${id}`, [{ path: "query.id", message: "unknown node id" }]);
  switch (kind) {
    case "wl":
      return { [`${side}_workload_namespace`]: ns, [`${side}_workload`]: a };
    case "app":
      return { [`${side}_workload_namespace`]: ns, [`${side}_app`]: a };
    case "va":
      if (!b) break;
      return { [`${side}_workload_namespace`]: ns, [`${side}_app`]: a, [`${side}_version`]: b };
    case "svc":
      return side === "destination" ? { destination_service_namespace: ns, destination_service_name: a } : { source_workload_namespace: ns, source_app: a };
  }
  throw new BadRequestError(`not a graph node id: ${id}`, [{ path: "query.id", message: "unknown node id" }]);
}

type Reporter = "source" | "destination";

/**
 * Which reporter's series describe a node or edge, best first, as the graph
 * chooses (traffic.ts keeps one reporter per flow): an edge inside the mesh is
 * reported by its source's proxy, falling back to the destination's when the
 * source has none; traffic from outside only by the destination; traffic to a
 * service or to nowhere only by the source. A node's traffic in: destination.
 */
export function reportersOf(id: string): Reporter[] {
  const edge = id.split(">");
  if (edge.length !== 3) return ["destination"];
  const [src, dst] = edge as [string, string];
  if (src === UNKNOWN_NODE_ID) return ["destination"];
  if (dst === UNKNOWN_NODE_ID || dst.startsWith("svc:")) return ["source"];
  return ["source", "destination"];
}

/** Request matchers for one node (traffic into it) or edge (traffic along it), as one reporter saw it. */
export function seriesQuery(id: string, windowSeconds: number, reporter: Reporter = reportersOf(id)[0]!): RateQuery {
  const by = ["response_code", "grpc_response_status", "request_protocol"];
  const edge = id.split(">");
  if (edge.length === 3) {
    const [src, dst] = edge as [string, string];
    return {
      metric: REQUESTS,
      match: { reporter, ...(src === UNKNOWN_NODE_ID ? { source_workload: "unknown" } : matchersForNode(src, "source")), ...(dst === UNKNOWN_NODE_ID ? {} : matchersForNode(dst, "destination")) },
      by,
      windowSeconds,
    };
  }
  if (id === UNKNOWN_NODE_ID) return { metric: REQUESTS, match: { reporter, source_workload: "unknown" }, by, windowSeconds };
  return { metric: REQUESTS, match: { reporter, ...matchersForNode(id, "destination") }, by, windowSeconds };
}

/** The first of `reporters` whose answer is not empty (the last one's answer otherwise). */
async function firstReported<T>(reporters: Reporter[], ask: (r: Reporter) => Promise<T>, empty: (t: T) => boolean): Promise<T> {
  let answer = await ask(reporters[0]!);
  for (const r of reporters.slice(1)) {
    if (!empty(answer)) break;
    answer = await ask(r);
  }
  return answer;
}

export async function fetchSeries(source: TrafficSource, id: string, minutes: number, at: Date): Promise<SeriesPoint[]> {
  const stepSeconds = Math.max(5, Math.round((minutes * 60) / 60));
  const windowSeconds = Math.max(stepSeconds * 2, 30);
  const start = new Date(at.getTime() - minutes * 60_000);
  const series = await firstReported(reportersOf(id), (r) => source.rateRange(seriesQuery(id, windowSeconds, r), start, at, stepSeconds), (x) => x.length === 0);
  const byT = new Map<number, SeriesPoint>();
  for (const s of series) {
    const failed = requestFailed(s.labels);
    for (const [t, v] of s.points) {
      const p = byT.get(t) ?? { t, rps: 0, errorRps: 0 };
      p.rps += v;
      if (failed) p.errorRps += v;
      byT.set(t, p);
    }
  }
  return [...byT.values()].sort((a, b) => a.t - b.t).map((p) => ({ t: p.t, rps: Math.round(p.rps * 1000) / 1000, errorRps: Math.round(p.errorRps * 1000) / 1000 }));
}

/**
 * Latency of one node (requests into it) or edge, now: p50/p95/p99 and the
 * average. Targeted at one node's or edge's series, so cheap even on a large
 * mesh; the side panel asks for it instead of the graph carrying it everywhere.
 */
export async function fetchLatency(source: TrafficSource, id: string, windowSeconds: number, at: Date): Promise<Latency> {
  const ask = (reporter: Reporter) => {
    const q = (metric: string): RateQuery => ({ ...seriesQuery(id, windowSeconds, reporter), metric, by: [] });
    return Promise.all([source.quantiles(q(`${DURATION}_bucket`), [0.5, 0.95, 0.99], at), source.rates(q(`${DURATION}_sum`), at), source.rates(q(`${DURATION}_count`), at)]);
  };
  const [quantiles, sum, count] = await firstReported(reportersOf(id), ask, ([, , c]) => !(c[0]?.value));
  const pick = (phi: number) => {
    const v = quantiles.find((s) => s.quantile === phi)?.value;
    return v === undefined || !Number.isFinite(v) ? null : Math.round(v * 100) / 100;
  };
  const total = count[0]?.value ?? 0;
  return { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), avg: total > 0 ? Math.round(((sum[0]?.value ?? 0) / total) * 1000) / 1000 : null };
}
