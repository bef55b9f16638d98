/**
 * Where traffic numbers come from. The graph builder asks for one kind of
 * thing: per-second rates of a counter over a window, summed by some labels,
 * for series matching some labels. Prometheus answers with PromQL
 * (`sum by (...) (rate(metric{...}[window]))`); the demo mesh's own telemetry
 * answers the same question from samples it keeps in memory. Same question,
 * same answer shape, so the builder does not know which one it talks to.
 */

export type LabelMatcher = string | { anyOf: string[] } | { not: string } | { noneOf: string[] };

export interface RateQuery {
  metric: string;
  match: Record<string, LabelMatcher>;
  by: string[];
  windowSeconds: number;
}

export interface RateSample {
  labels: Record<string, string>;
  value: number;
}

export interface RateSeries {
  labels: Record<string, string>;
  /** [unix seconds, rate] */
  points: [number, number][];
}

/** A latency quantile of one group of series: histogram_quantile(quantile, sum by (le, ...) (rate(bucket[w]))). */
export interface QuantileSample {
  labels: Record<string, string>;
  quantile: number;
  value: number;
}

export interface TrafficSource {
  readonly kind: "prometheus" | "demo";
  /** A short description for the UI, e.g. the Prometheus URL. */
  readonly description: string;
  rates(q: RateQuery, at: Date, signal?: AbortSignal): Promise<RateSample[]>;
  rateRange(q: RateQuery, start: Date, end: Date, stepSeconds: number, signal?: AbortSignal): Promise<RateSeries[]>;
  /** Quantiles of a histogram (q.metric is the _bucket series; q.by must not include "le"). */
  quantiles(q: RateQuery, quantiles: number[], at: Date, signal?: AbortSignal): Promise<QuantileSample[]>;
}

const escapeValue = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeRegex = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The PromQL for a RateQuery; label order is sorted so the same query is always the same text. */
export function renderRateQuery(q: RateQuery): string {
  const matchers = Object.keys(q.match)
    .sort()
    .map((k) => {
      const m = q.match[k]!;
      if (typeof m === "string") return `${k}="${escapeValue(m)}"`;
      if ("not" in m) return `${k}!="${escapeValue(m.not)}"`;
      if ("noneOf" in m) return `${k}!~"${escapeValue(m.noneOf.map(escapeRegex).join("|"))}"`;
      return `${k}=~"${escapeValue(m.anyOf.map(escapeRegex).join("|"))}"`;
    });
  const by = [...q.by].sort().join(",");
  return `sum by (${by}) (rate(${q.metric}{${matchers.join(",")}}[${q.windowSeconds}s]))`;
}

export function renderQuantileQuery(q: RateQuery, quantile: number): string {
  return `histogram_quantile(${quantile}, ${renderRateQuery({ ...q, by: [...q.by, "le"] })})`;
}

export function matches(labels: Record<string, string>, match: Record<string, LabelMatcher>): boolean {
  for (const [k, m] of Object.entries(match)) {
    const v = labels[k] ?? "";
    if (typeof m === "string") {
      if (v !== m) return false;
    } else if ("not" in m) {
      if (v === m.not) return false;
    } else if ("noneOf" in m) {
      if (m.noneOf.includes(v)) return false;
    } else if (!m.anyOf.includes(v)) return false;
  }
  return true;
}
