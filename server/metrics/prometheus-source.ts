import type { PrometheusClient } from "./prometheus";
import { type QuantileSample, type RateQuery, type RateSample, type RateSeries, type TrafficSource, renderQuantileQuery, renderRateQuery } from "./source";

/** Traffic numbers from Prometheus, by PromQL. */
export class PrometheusTrafficSource implements TrafficSource {
  readonly kind = "prometheus" as const;

  constructor(private readonly client: PrometheusClient) {}

  get description(): string {
    return `Prometheus at ${this.client.url}`;
  }

  async rates(q: RateQuery, at: Date, signal?: AbortSignal): Promise<RateSample[]> {
    const vector = await this.client.query(renderRateQuery(q), at, signal);
    return vector.filter((s) => Number.isFinite(s.value)).map((s) => ({ labels: s.metric, value: s.value }));
  }

  async rateRange(q: RateQuery, start: Date, end: Date, stepSeconds: number, signal?: AbortSignal): Promise<RateSeries[]> {
    const matrix = await this.client.queryRange(renderRateQuery(q), start, end, stepSeconds, signal);
    return matrix.map((s) => ({ labels: s.metric, points: s.values.filter(([, v]) => Number.isFinite(v)) }));
  }

  async quantiles(q: RateQuery, quantiles: number[], at: Date, signal?: AbortSignal): Promise<QuantileSample[]> {
    const results = await Promise.all(quantiles.map((phi) => this.client.query(renderQuantileQuery(q, phi), at, signal)));
    return results.flatMap((vector, i) => vector.filter((s) => Number.isFinite(s.value)).map((s) => ({ labels: s.metric, quantile: quantiles[i]!, value: s.value })));
  }
}
