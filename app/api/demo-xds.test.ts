import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Runtime, startRuntime, stopRuntime } from "@/server/runtime";
import { PUT as apply } from "./intents/route";
import { GET as proxies } from "./proxies/route";

/**
 * The demo mesh on Sextant's own xDS server: its workloads are proxyless gRPC
 * clients, so a weight change applied through the API moves the demo's real
 * traffic (measured from the destination's own request counters).
 */
describe("the demo mesh through Sextant's xDS server", () => {
  let dir: string;
  let rt: Runtime;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-demo-xds-"));
    rt = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_RPS: "40", SEXTANT_LOG_LEVEL: "error" });
  });
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Requests each reviews version served (its own, destination-reported counter). */
  const served = async () => {
    const out: Record<string, number> = {};
    for (const r of await rt.demo!.telemetry.readings()) {
      if (r.name === "istio_requests_total" && r.labels.reporter === "destination" && String(r.labels.destination_app) === "reviews") {
        const v = String(r.labels.destination_version);
        out[v] = (out[v] ?? 0) + r.value;
      }
    }
    return out;
  };
  const during = async (ms: number) => {
    const a = await served();
    await new Promise((r) => setTimeout(r, ms));
    const b = await served();
    const delta = (v: string) => (b[v] ?? 0) - (a[v] ?? 0);
    return { v1: delta("v1"), v2: delta("v2"), v3: delta("v3") };
  };

  it("connects the demo as a proxy, SYNCED on every type, and serves all three versions by default", async () => {
    await expect
      .poll(async () => {
        const body = await (await proxies(new Request("http://x/api/proxies"))).json();
        const demo = body.proxies.find((p: { cluster: string }) => p.cluster === "sextant-demo");
        return demo?.types.map((t: { state: string }) => t.state).join(",");
      }, { timeout: 15_000 })
      .toBe("SYNCED,SYNCED,SYNCED,SYNCED");
    // The clients resolve each service on its first call (LDS, RDS, CDS, EDS, then connect), so on a
    // loaded machine the first calls can take a few seconds: wait for a window in which calls complete.
    let d = { v1: 0, v2: 0, v3: 0 };
    await expect
      .poll(async () => ((d = await during(1500)), d.v1 + d.v2 + d.v3 > 20), { timeout: 20_000, interval: 0 })
      .toBe(true);
    expect(d.v1).toBeGreaterThan(0);
    expect(d.v2).toBeGreaterThan(0);
    expect(d.v3).toBeGreaterThan(0);
  });

  it("moves the demo's real traffic when weights are applied through the API", async () => {
    const res = await apply(
      new Request("http://x/api/intents", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v2", weight: 100 }] } }, expectedRevision: 0 }),
      }),
    );
    expect(res.status).toBe(200);
    // The change reaches the demo's clients after the debounce and one push; then only v2 serves.
    await expect.poll(async () => { const d = await during(700); return d.v1 + d.v3 === 0 && d.v2 > 10; }, { timeout: 10_000 }).toBe(true);
  });
});
