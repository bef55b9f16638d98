import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { parseExposition } from "@/server/testing/prom-text";
import { GET as metrics } from "../metrics/route";
import { GET as intents, PUT as apply } from "./intents/route";
import { GET as ready } from "./ready/route";
import { GET as health } from "./health/route";

/**
 * Sextant's own telemetry over a real runtime (embedded database, demo mesh whose workloads are
 * proxyless gRPC clients of Sextant's xDS server): /metrics in Prometheus's text format (read by
 * a strict parser of that format), readiness and liveness.
 */
const sample = (text: string, name: string, labels: Record<string, string> = {}) =>
  parseExposition(text)
    .samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);

describe("Sextant's own telemetry", () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-telemetry-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error" });
  }, 60_000);
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("counts requests by route and status, with latency; shows connected proxies, snapshots and leadership", async () => {
    const first = await (await metrics(new Request("http://x/metrics"))).text();
    const before = sample(first, "sextant_http_requests_total", { route: "intents.list", status: "200" });
    const routesPushed = sample(first, "sextant_xds_pushes_total", { type: "RouteConfiguration" });
    for (let i = 0; i < 3; i++) expect((await intents(new Request("http://x/api/intents"))).status).toBe(200);
    expect((await intents(new Request("http://x/api/intents?bogus=1"))).status).toBe(400);
    const shift = { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 100 }] } };
    expect((await apply(new Request("http://x/api/intents", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: shift, expectedRevision: 0 }) }))).status).toBe(200);
    await expect
      .poll(async () => {
        const text = await (await metrics(new Request("http://x/metrics"))).text();
        return [
          sample(text, "sextant_http_requests_total", { route: "intents.list", status: "200" }) - before,
          sample(text, "sextant_http_requests_total", { route: "intents.list", status: "400" }),
          sample(text, "sextant_http_request_duration_seconds_count", { route: "intents.apply", method: "PUT" }) >= 1,
          sample(text, "sextant_xds_connected_proxies", { client: "proxyless" }) > 0,
          sample(text, "sextant_xds_snapshots_total", { outcome: "ok" }) >= 2,
          sample(text, "sextant_leader"),
          // The weight change was pushed to the demo's proxyless clients, which ACKed it; none NACKed.
          sample(text, "sextant_xds_pushes_total", { type: "RouteConfiguration" }) > routesPushed,
          sample(text, "sextant_xds_push_ack_duration_seconds_count", { type: "RouteConfiguration" }) > 0,
          sample(text, "sextant_xds_nacks_total"),
        ];
      }, { timeout: 20_000 })
      .toEqual([3, 1, true, true, true, 1, true, true, 0]);
    const res = await metrics(new Request("http://x/metrics"));
    expect(res.headers.get("content-type")).toContain("text/plain");
  });

  it("readiness is 200 while the parts it needs work; liveness is 200 with every part's state", async () => {
    const r = await ready(new Request("http://x/api/ready"));
    expect(r.status).toBe(200);
    expect((await r.json()).checks.database.status).toBe("ok");
    const h = await health(new Request("http://x/api/health"));
    expect(h.status).toBe(200);
    // The embedded database serves one process, which leads alone.
    expect((await h.json()).checks.leader).toEqual({ status: "ok", election: "alone", leading: true });
  });
});
