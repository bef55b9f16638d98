import http from "node:http";
import { DURATION_BUCKETS_MS } from "../../server/demo/telemetry";
import { freePort } from "../../server/testing/prometheus";
import { type SyntheticEdge, edgeLabels } from "./synthetic";

/**
 * Serves Istio's metrics for a synthetic mesh in Prometheus text format:
 * counters that grow at each edge's rate (requests by both reporters, latency
 * histograms by the source's), for a real Prometheus to scrape.
 */
export async function startSyntheticExporter(edges: SyntheticEdge[]): Promise<{ port: number; seriesCount: number; close(): void }> {
  type Series = { text: string; rate: number };
  const series: Series[] = [];
  const fmt = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(",");
  for (const e of edges) {
    for (const reporter of ["source", "destination"] as const) {
      const base = { ...edgeLabels(e, reporter), request_protocol: "http", response_flags: "-", grpc_response_status: "" };
      series.push({ text: `istio_requests_total{${fmt({ ...base, response_code: "200" })}}`, rate: e.rps * (1 - e.errorShare) });
      if (e.errorShare > 0) series.push({ text: `istio_requests_total{${fmt({ ...base, response_code: "503" })}}`, rate: e.rps * e.errorShare });
    }
    const h = { ...edgeLabels(e, "source"), request_protocol: "http", response_code: "200" };
    DURATION_BUCKETS_MS.forEach((le, i) => series.push({ text: `istio_request_duration_milliseconds_bucket{${fmt({ ...h, le: String(le) })}}`, rate: e.rps * e.cumulative[i]! }));
    series.push({ text: `istio_request_duration_milliseconds_bucket{${fmt({ ...h, le: "+Inf" })}}`, rate: e.rps });
    series.push({ text: `istio_request_duration_milliseconds_sum{${fmt(h)}}`, rate: e.rps * 40 });
    series.push({ text: `istio_request_duration_milliseconds_count{${fmt(h)}}`, rate: e.rps });
  }
  const t0 = Date.now();
  const server = http.createServer((_req, res) => {
    const elapsed = (Date.now() - t0) / 1000 + 60;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.write("# TYPE istio_requests_total counter\n# TYPE istio_request_duration_milliseconds histogram\n");
    const chunk: string[] = [];
    for (const s of series) {
      chunk.push(`${s.text} ${(s.rate * elapsed).toFixed(3)}`);
      if (chunk.length === 5000) res.write(chunk.splice(0).join("\n") + "\n");
    }
    res.end(chunk.join("\n") + "\n");
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { port, seriesCount: series.length, close: () => server.close() };
}
