import { histogramQuantiles } from "./histogram";
import { type QuantileSample, type RateQuery, type RateSample, type RateSeries, type TrafficSource, matches } from "./source";

/**
 * Traffic numbers from the demo mesh's own telemetry, for when no Prometheus
 * is configured. It samples the counters every few seconds into a ring buffer
 * (as a Prometheus scrape would) and answers rate queries from it: the rate of
 * a series over a window is (last - first) / (t_last - t_first) of its samples
 * in the window, with counter resets handled, like Prometheus's rate() without
 * its extrapolation to the window's edges.
 */

/** One counter value as prom-client's getMetricsAsJSON() reports it. */
export interface CounterReading {
  name: string;
  labels: Record<string, string | number>;
  value: number;
}

export type Collect = () => Promise<CounterReading[]>;

interface Series {
  name: string;
  labels: Record<string, string>;
  values: Float64Array;
}

export interface DemoTrafficSourceOptions {
  collect: Collect;
  /** Only these metric names are kept (the ones the graph asks for). */
  metrics: string[];
  sampleIntervalMs: number;
  /** How far back samples are kept; windows longer than this see less. */
  retentionSeconds: number;
}

export class DemoTrafficSource implements TrafficSource {
  readonly kind = "demo" as const;
  readonly description = "the demo mesh's own telemetry (no Prometheus configured)";
  private readonly capacity: number;
  private readonly times: Float64Array;
  private readonly series = new Map<string, Series>();
  private readonly wanted: Set<string>;
  private head = 0; // next slot to write
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: DemoTrafficSourceOptions) {
    this.capacity = Math.ceil((opts.retentionSeconds * 1000) / opts.sampleIntervalMs) + 2;
    this.times = new Float64Array(this.capacity);
    this.wanted = new Set(opts.metrics);
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.opts.sampleIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Collections that failed (the data plane thread being started again, say); each left a gap. */
  failedScrapes = 0;

  /**
   * Takes one sample now (also used by tests to control time). A collection that fails records
   * nothing, as a failed scrape leaves a gap in Prometheus; rates span the gap.
   */
  async sample(at: number = Date.now()): Promise<void> {
    let readings: CounterReading[];
    try {
      readings = await this.opts.collect();
    } catch {
      this.failedScrapes++;
      return;
    }
    const slot = this.head;
    this.times[slot] = at / 1000;
    for (const s of this.series.values()) s.values[slot] = NaN;
    for (const r of readings) {
      if (!this.wanted.has(r.name)) continue;
      const labels = Object.fromEntries(Object.entries(r.labels).map(([k, v]) => [k, String(v)]));
      const key = seriesKey(r.name, labels);
      let s = this.series.get(key);
      if (!s) {
        s = { name: r.name, labels, values: new Float64Array(this.capacity).fill(NaN) };
        this.series.set(key, s);
      }
      s.values[slot] = r.value;
    }
    this.head = (this.head + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  async rates(q: RateQuery, at: Date): Promise<RateSample[]> {
    return this.aggregate(q, at.getTime() / 1000);
  }

  async rateRange(q: RateQuery, start: Date, end: Date, stepSeconds: number): Promise<RateSeries[]> {
    const out = new Map<string, RateSeries>();
    for (let t = start.getTime() / 1000; t <= end.getTime() / 1000 + 1e-9; t += stepSeconds) {
      for (const s of this.aggregate(q, t)) {
        const key = seriesKey("", s.labels);
        let series = out.get(key);
        if (!series) out.set(key, (series = { labels: s.labels, points: [] }));
        series.points.push([Math.round(t * 1000) / 1000, s.value]);
      }
    }
    return [...out.values()];
  }

  async quantiles(q: RateQuery, quantiles: number[], at: Date): Promise<QuantileSample[]> {
    const buckets = this.aggregate({ ...q, by: [...q.by, "le"] }, at.getTime() / 1000);
    const groups = new Map<string, { labels: Record<string, string>; buckets: Map<number, number> }>();
    for (const b of buckets) {
      const { le, ...labels } = b.labels;
      const key = seriesKey("", labels);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels, buckets: new Map() }));
      g.buckets.set(le === "+Inf" ? Infinity : Number(le), b.value);
    }
    const out: QuantileSample[] = [];
    for (const g of groups.values()) {
      histogramQuantiles(quantiles, g.buckets).forEach((value, i) => {
        if (value !== null && Number.isFinite(value)) out.push({ labels: g.labels, quantile: quantiles[i]!, value });
      });
    }
    return out;
  }

  /** Sample slots (oldest first) whose time is within (t - window, t]. */
  private slotsIn(t: number, windowSeconds: number): number[] {
    const slots: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head - this.count + i + this.capacity) % this.capacity;
      const ts = this.times[slot]!;
      if (ts > t - windowSeconds && ts <= t + 1e-6) slots.push(slot);
    }
    return slots;
  }

  private aggregate(q: RateQuery, t: number): RateSample[] {
    const slots = this.slotsIn(t, q.windowSeconds);
    if (slots.length < 2) return [];
    const groups = new Map<string, RateSample>();
    for (const s of this.series.values()) {
      if (s.name !== q.metric || !matches(s.labels, q.match)) continue;
      const r = seriesRate(s.values, slots, this.times);
      if (r === undefined) continue;
      const labels = Object.fromEntries(q.by.map((k) => [k, s.labels[k] ?? ""]));
      const key = seriesKey("", labels);
      const g = groups.get(key);
      if (g) g.value += r;
      else groups.set(key, { labels, value: r });
    }
    return [...groups.values()];
  }
}

function seriesRate(values: Float64Array, slots: number[], times: Float64Array): number | undefined {
  let first = -1;
  let last = -1;
  let increase = 0;
  let prev = NaN;
  for (const slot of slots) {
    const v = values[slot]!;
    if (Number.isNaN(v)) continue;
    if (first < 0) first = slot;
    else increase += v >= prev ? v - prev : v; // a drop is a counter reset
    prev = v;
    last = slot;
  }
  if (first < 0 || last === first) return undefined;
  const span = times[last]! - times[first]!;
  return span > 0 ? increase / span : undefined;
}

function seriesKey(name: string, labels: Record<string, string>): string {
  return name + JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}
