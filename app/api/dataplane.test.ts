import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "@/server/runtime";
import { reviewsServedDuring, startDemoRuntime } from "@/server/testing/demo-runtime";
import { PUT as apply } from "./intents/route";
import { GET as health } from "./health/route";

/**
 * The data plane thread (xDS server, demo mesh) is supervised: when it dies,
 * the console stays up, health says so, and the thread comes back with the
 * demo's pods, the intents in force and the demo's traffic through xDS.
 */
describe("the data plane thread", () => {
  let rt: Runtime;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ rt, stop } = await startDemoRuntime("dataplane"));
  });
  afterAll(() => stop());
  const during = (ms: number) => reviewsServedDuring(rt, ms);

  it("runs on its own thread by default", () => {
    expect(rt.dataplane.mode).toBe("worker");
  });

  it("comes back after the thread dies: health reports it meanwhile, then intents in force and the demo's traffic through xDS resume", { timeout: 90_000 }, async () => {
    const res = await apply(new Request("http://x/api/intents", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v3", weight: 100 }] } }, expectedRevision: 0 }) }));
    expect(res.status).toBe(200);
    await expect.poll(async () => { const d = await during(700); return d.v1 + d.v2 === 0 && d.v3 > 5; }, { timeout: 20_000, interval: 0 }).toBe(true);

    await rt.dataplane.restart!();
    await expect.poll(async () => JSON.stringify((await (await health(new Request("http://x/api/health"))).json()).checks.registry.sources), { timeout: 5_000, interval: 20 }).toContain("starting it again");
    // Back: the demo proxy SYNCED on the new thread, and its traffic still follows the intent in force (all to v3).
    await expect.poll(() => rt.dataplane.proxies().find((p) => p.cluster === "sextant-demo")?.types.length ?? 0, { timeout: 30_000 }).toBe(4);
    await expect.poll(async () => { const d = await during(700); return d.v1 + d.v2 === 0 && d.v3 > 5; }, { timeout: 30_000, interval: 0 }).toBe(true);
    expect((await (await health(new Request("http://x/api/health"))).json()).checks.registry.sources).toEqual([expect.objectContaining({ name: "demo", state: "synced" })]);
  });
});
