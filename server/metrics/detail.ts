import { histogramQuantiles } from "./histogram";
import { DURATION, REQUESTS } from "./graph/fetch";
import { requestFailed } from "./graph/series";
import type { LabelMatcher, RateSeries, TrafficSource } from "./source";

/**
 * The numbers of a service's or a workload's detail page, as charts over a
 * window: inbound requests per second, error share and latency (p50, p95,
 * p99) per version, as its destinations report them; outbound requests and
 * errors per called service, as it reports them as a source. Quantiles come
 * from the merged histogram buckets at each step (never averaged).
 */
export interface DetailPoint {
  t: number;
  rps: number;
  errorPercent: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface DetailSeries {
  /** The version (inbound) or the called service (outbound). */
  key: string;
  points: DetailPoint[];
}

export interface DetailMetrics {
  windowSeconds: number;
  stepSeconds: number;
  inbound: DetailSeries[];
  outbound: DetailSeries[];
}

export type DetailSubject = { kind: "service"; namespace: string; name: string } | { kind: "workload"; namespace: string; name: string };


function inboundMatch(s: DetailSubject): Record<string, LabelMatcher> {
  return s.kind === "service"
    ? { reporter: "destination", destination_service_namespace: s.namespace, destination_service_name: s.name }
    : { reporter: "destination", destination_workload_namespace: s.namespace, destination_workload: s.name };
}

function outboundMatch(s: DetailSubject, apps: string[]): Record<string, LabelMatcher> {
  // A service's calls out are its workloads' (they carry its app label); a workload's, its own.
  return s.kind === "service" ? { reporter: "source", source_workload_namespace: s.namespace, source_app: apps.length === 1 ? apps[0]! : { anyOf: apps } } : { reporter: "source", source_workload_namespace: s.namespace, source_workload: s.name };
}

/** Rate and error share per group at each step, from request series grouped by key + response labels. */
function rateSeries(series: RateSeries[], keyLabel: string): Map<string, Map<number, { rps: number; err: number }>> {
  const out = new Map<string, Map<number, { rps: number; err: number }>>();
  for (const s of series) {
    const key = s.labels[keyLabel] ?? "unknown";
    const byT = out.get(key) ?? new Map<number, { rps: number; err: number }>();
    out.set(key, byT);
    for (const [t, v] of s.points) {
      const p = byT.get(t) ?? { rps: 0, err: 0 };
      p.rps += v;
      if (requestFailed(s.labels)) p.err += v;
      byT.set(t, p);
    }
  }
  return out;
}

/** Quantiles per group at each step, from bucket series grouped by key + le. */
function latencySeries(series: RateSeries[], keyLabel: string): Map<string, Map<number, (number | null)[]>> {
  const buckets = new Map<string, Map<number, Map<number, number>>>();
  for (const s of series) {
    const key = s.labels[keyLabel] ?? "unknown";
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    const byT = buckets.get(key) ?? new Map<number, Map<number, number>>();
    buckets.set(key, byT);
    for (const [t, v] of s.points) {
      const b = byT.get(t) ?? new Map<number, number>();
      b.set(le, (b.get(le) ?? 0) + v);
      byT.set(t, b);
    }
  }
  const out = new Map<string, Map<number, (number | null)[]>>();
  for (const [key, byT] of buckets) out.set(key, new Map([...byT].map(([t, b]) => [t, histogramQuantiles([0.5, 0.95, 0.99], b)])));
  return out;
}

const round = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

function join(rates: Map<string, Map<number, { rps: number; err: number }>>, latency: Map<string, Map<number, (number | null)[]>>): DetailSeries[] {
  return [...rates.keys()].sort().map((key) => {
    const q = latency.get(key);
    const points = [...rates.get(key)!.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, r]) => {
        const [p50, p95, p99] = q?.get(t) ?? [null, null, null];
        return { t, rps: round(r.rps)!, errorPercent: r.rps > 0 ? round((r.err / r.rps) * 100, 1)! : 0, p50: round(p50, 1), p95: round(p95, 1), p99: round(p99, 1) };
      });
    return { key, points };
  });
}

/**
 * The detail page's charts for a service or workload over the last `minutes`.
 * `apps`: the app labels of the service's workloads (for its calls out).
 */
export async function detailMetrics(source: TrafficSource, subject: DetailSubject, apps: string[], minutes: number, at: Date, signal?: AbortSignal): Promise<DetailMetrics> {
  const stepSeconds = Math.max(5, Math.round((minutes * 60) / 60));
  const windowSeconds = Math.max(stepSeconds * 2, 30);
  const start = new Date(at.getTime() - minutes * 60_000);
  const range = (metric: string, match: Record<string, LabelMatcher>, by: string[]) => source.rateRange({ metric, match, by, windowSeconds }, start, at, stepSeconds, signal);
  const response = ["response_code", "grpc_response_status", "request_protocol"];
  const inMatch = inboundMatch(subject);
  const outMatch = apps.length || subject.kind === "workload" ? outboundMatch(subject, apps) : undefined;
  const [inReq, inLat, outReq, outLat] = await Promise.all([
    range(REQUESTS, inMatch, ["destination_version", ...response]),
    range(`${DURATION}_bucket`, inMatch, ["destination_version", "le"]),
    outMatch ? range(REQUESTS, outMatch, ["destination_service_name", ...response]) : Promise.resolve([]),
    outMatch ? range(`${DURATION}_bucket`, outMatch, ["destination_service_name", "le"]) : Promise.resolve([]),
  ]);
  return {
    windowSeconds,
    stepSeconds,
    inbound: join(rateSeries(inReq, "destination_version"), latencySeries(inLat, "destination_version")),
    outbound: join(rateSeries(outReq, "destination_service_name"), latencySeries(outLat, "destination_service_name")),
  };
}
