import { UnavailableError, describeError } from "../errors";

/**
 * A client for Prometheus's HTTP API (/api/v1/query, /api/v1/query_range).
 * Every call has a timeout and honours the caller's AbortSignal; every failure
 * is a PrometheusError that says what went wrong in words an operator can act
 * on: unreachable, timed out, bad query, or Prometheus's own error payload.
 * https://prometheus.io/docs/prometheus/latest/querying/api/
 */
export type PrometheusFailure = "unreachable" | "timeout" | "bad_query" | "error_payload" | "bad_response" | "cancelled";

export class PrometheusError extends UnavailableError {
  constructor(
    readonly failure: PrometheusFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super("Prometheus", detail, options);
  }
}

export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

export interface MatrixSeries {
  metric: Record<string, string>;
  /** [unix seconds, value] */
  values: [number, number][];
}

export interface PrometheusClientOptions {
  baseUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Told how long each query took and whether it was answered (Sextant's own telemetry). */
  observe?: (seconds: number, ok: boolean) => void;
}

interface ApiEnvelope {
  status: "success" | "error";
  data?: { resultType: string; result: unknown[] };
  errorType?: string;
  error?: string;
}

export class PrometheusClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: PrometheusClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, "");
    this.doFetch = opts.fetch ?? fetch;
  }

  get url(): string {
    return this.base;
  }

  /** An instant query; returns the vector (scalars become a one-sample vector). */
  async query(promql: string, time: Date, signal?: AbortSignal): Promise<VectorSample[]> {
    const data = await this.observed("/api/v1/query", { query: promql, time: seconds(time) }, signal);
    if (data.resultType === "scalar") {
      const [, v] = data.result as unknown as [number, string];
      return [{ metric: {}, value: Number(v) }];
    }
    if (data.resultType !== "vector") throw new PrometheusError("bad_response", `expected a vector for ${promql}, got ${data.resultType}`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  async queryRange(promql: string, start: Date, end: Date, stepSeconds: number, signal?: AbortSignal): Promise<MatrixSeries[]> {
    const data = await this.observed("/api/v1/query_range", { query: promql, start: seconds(start), end: seconds(end), step: String(stepSeconds) }, signal);
    if (data.resultType !== "matrix") throw new PrometheusError("bad_response", `expected a matrix for ${promql}, got ${data.resultType}`);
    return (data.result as { metric: Record<string, string>; values: [number, string][] }[]).map((r) => ({
      metric: r.metric,
      values: r.values.map(([t, v]) => [t, Number(v)] as [number, number]),
    }));
  }

  private async observed(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<{ resultType: string; result: unknown[] }> {
    const started = performance.now();
    let ok = false;
    try {
      const r = await this.call(path, params, signal);
      ok = true;
      return r;
    } finally {
      this.opts.observe?.((performance.now() - started) / 1000, ok);
    }
  }

  private async call(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<{ resultType: string; result: unknown[] }> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const where = `${this.base}${path}`;
    let res: Response;
    let text: string;
    try {
      // POST with a form body: long queries do not hit URL length limits.
      res = await this.doFetch(where, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams(params).toString(),
        signal: combined,
      });
      text = await res.text();
    } catch (e) {
      if (timeout.aborted) throw new PrometheusError("timeout", `no answer from ${this.base} within ${this.opts.timeoutMs} ms`, { cause: e });
      if (signal?.aborted) throw new PrometheusError("cancelled", "the query was cancelled", { cause: e });
      throw new PrometheusError("unreachable", `cannot reach ${this.base}: ${describeError(causeOf(e))}`, { cause: e });
    }
    let body: ApiEnvelope;
    try {
      body = JSON.parse(text) as ApiEnvelope;
    } catch {
      throw new PrometheusError("bad_response", `${where} answered ${res.status} with something that is not Prometheus's JSON: ${text.slice(0, 120)}`);
    }
    if (body.status !== "success" || !body.data) {
      const kind: PrometheusFailure = body.errorType === "bad_data" ? "bad_query" : "error_payload";
      throw new PrometheusError(kind, `Prometheus answered ${res.status} (${body.errorType ?? "error"}): ${body.error ?? "no message"}`);
    }
    return body.data;
  }
}

function seconds(d: Date): string {
  return (d.getTime() / 1000).toFixed(3);
}

/** fetch wraps network errors as "fetch failed" with the real reason in `cause`. */
function causeOf(e: unknown): unknown {
  return e instanceof Error && e.cause ? e.cause : e;
}
