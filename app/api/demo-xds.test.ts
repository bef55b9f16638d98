import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "@/server/runtime";
import { reviewsServedDuring, startDemoRuntime } from "@/server/testing/demo-runtime";
import { PUT as apply } from "./intents/route";
import { GET as proxies } from "./proxies/route";

/**
 * The demo mesh on Sextant's own xDS server: its workloads are proxyless gRPC
 * clients, so a weight change applied through the API moves the demo's real
 * traffic (measured from the destination's own request counters).
 */
describe("the demo mesh through Sextant's xDS server", () => {
  let rt: Runtime;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ rt, stop } = await startDemoRuntime("demo-xds"));
  });
  afterAll(() => stop());
  const during = (ms: number) => reviewsServedDuring(rt, ms);

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

  it("lists each demo workload as its own proxy: six workload sidecars (inbound), and a proxyless client per calling workload, each with its own state", async () => {
    type P = { nodeId: string; client: string; userAgent: string; node: { pod?: string }; types: { type: string; state: string }[] };
    const workload = (pod: string | undefined) => pod?.replace(/-[a-z0-9]+-[a-z0-9]+$/, "");
    await expect
      .poll(async () => {
        const body = (await (await proxies(new Request("http://x/api/proxies"))).json()) as { proxies: P[] };
        const sidecars = body.proxies.filter((p) => p.userAgent === "sextant-demo-workload" && p.types.find((t) => t.type === "listener")?.state === "SYNCED");
        const proxyless = body.proxies.filter((p) => p.client === "proxyless" && p.node.pod !== "sextant-demo" && p.types.every((t) => t.state === "SYNCED"));
        return {
          sidecars: [...new Set(sidecars.map((p) => workload(p.node.pod)))].sort(),
          proxyless: [...new Set(proxyless.map((p) => workload(p.node.pod)))].sort(),
        };
      }, { timeout: 20_000 })
      .toEqual({
        sidecars: ["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3"],
        // The workloads that call others: productpage (details, reviews), reviews v2 and v3 (ratings).
        proxyless: ["productpage-v1", "reviews-v2", "reviews-v3"],
      });
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
