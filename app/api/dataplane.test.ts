import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Runtime, startRuntime, stopRuntime } from "@/server/runtime";
import { PUT as apply } from "./intents/route";
import { GET as health } from "./health/route";

/**
 * The data plane thread (xDS server, demo mesh) is supervised: when it dies,
 * the console stays up, health says so, and the thread comes back with the
 * demo's pods, the intents in force and the demo's traffic through xDS.
 */
describe("the data plane thread", () => {
  let dir: string;
  let rt: Runtime;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-dataplane-"));
    rt = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_RPS: "40", SEXTANT_LOG_LEVEL: "error" });
  });
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const served = async () => {
    const out: Record<string, number> = {};
    for (const r of await rt.demo!.telemetry.readings()) {
      if (r.name === "istio_requests_total" && r.labels.reporter === "destination" && String(r.labels.destination_app) === "reviews") out[String(r.labels.destination_version)] = (out[String(r.labels.destination_version)] ?? 0) + r.value;
    }
    return out;
  };
  const during = async (ms: number) => {
    const a = await served();
    await new Promise((r) => setTimeout(r, ms));
    const b = await served();
    return Object.fromEntries(["v1", "v2", "v3"].map((v) => [v, (b[v] ?? 0) - (a[v] ?? 0)]));
  };

  it("runs on its own thread by default", () => {
    expect(rt.dataplane.mode).toBe("worker");
  });

  it("comes back after the thread dies: health reports it meanwhile, then intents in force and the demo's traffic through xDS resume", { timeout: 90_000 }, async () => {
    const res = await apply(new Request("http://x/api/intents", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v3", weight: 100 }] } }, expectedRevision: 0 }) }));
    expect(res.status).toBe(200);
    await expect.poll(async () => { const d = await during(700); return d.v1! + d.v2! === 0 && d.v3! > 5; }, { timeout: 20_000, interval: 0 }).toBe(true);

    await rt.dataplane.restart!();
    await expect.poll(async () => JSON.stringify((await (await health(new Request("http://x/api/health"))).json()).checks.registry.sources), { timeout: 5_000, interval: 20 }).toContain("starting it again");
    // Back: the demo proxy SYNCED on the new thread, and its traffic still follows the intent in force (all to v3).
    await expect.poll(() => rt.dataplane.proxies().find((p) => p.cluster === "sextant-demo")?.types.length ?? 0, { timeout: 30_000 }).toBe(4);
    await expect.poll(async () => { const d = await during(700); return d.v1! + d.v2! === 0 && d.v3! > 5; }, { timeout: 30_000, interval: 0 }).toBe(true);
    expect((await (await health(new Request("http://x/api/health"))).json()).checks.registry.sources).toEqual([expect.objectContaining({ name: "demo", state: "synced" })]);
  });
});
