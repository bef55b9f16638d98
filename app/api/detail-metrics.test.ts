import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoRuntime } from "@/server/testing/demo-runtime";
import { GET as serviceMetrics } from "./services/[namespace]/[name]/metrics/route";
import { GET as workloadMetrics } from "./workloads/[namespace]/[name]/metrics/route";

/** The detail pages' charts over the demo's own telemetry: per version in, per called service out. */
type Body = { inbound: { key: string; points: { rps: number; errorPercent: number; p95: number | null }[] }[]; outbound: { key: string; points: { rps: number }[] }[] };
const params = (namespace: string, name: string) => ({ params: Promise.resolve({ namespace, name }) });

describe("service and workload metrics", () => {
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ stop } = await startDemoRuntime("detail"));
  }, 60_000);
  afterAll(() => stop());

  it("a service: requests, errors and latency per version coming in, and per called service going out", { timeout: 60_000 }, async () => {
    const get = async () => (await (await serviceMetrics(new Request("http://x/api/services/default/reviews/metrics?minutes=5"), params("default", "reviews"))).json()) as Body;
    await expect.poll(async () => (await get()).inbound.filter((s) => s.points.some((p) => p.rps > 0)).map((s) => s.key), { timeout: 30_000, interval: 1000 }).toEqual(["v1", "v2", "v3"]);
    const b = await get();
    expect(b.inbound.every((s) => s.points.some((p) => p.p95 !== null && p.p95 > 0))).toBe(true);
    // reviews v2 and v3 call ratings; v1 calls nothing.
    expect(b.outbound.map((s) => s.key)).toEqual(["ratings"]);
  });

  it("a workload: its own traffic; ratings' demo faults show as an error share", { timeout: 60_000 }, async () => {
    const get = async () => (await (await workloadMetrics(new Request("http://x/api/workloads/default/ratings-v1/metrics?minutes=5"), params("default", "ratings-v1"))).json()) as Body;
    await expect.poll(async () => (await get()).inbound[0]?.points.some((p) => p.rps > 0) ?? false, { timeout: 30_000, interval: 1000 }).toBe(true);
    expect((await get()).outbound).toEqual([]);
  });

  it("404 for what the mesh does not have, 400 for a bad window", async () => {
    expect((await serviceMetrics(new Request("http://x/api/services/default/nope/metrics"), params("default", "nope"))).status).toBe(404);
    const bad = await workloadMetrics(new Request("http://x/api/workloads/default/ratings-v1/metrics?minutes=7"), params("default", "ratings-v1"));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.issues[0].path).toBe("query.minutes");
  });
});
