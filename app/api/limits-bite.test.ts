import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "@/server/runtime";
import { startDemoRuntime } from "@/server/testing/demo-runtime";
import { GET as list, PUT as apply } from "./limiters/route";

/**
 * A SmartLimiter on the demo bites: each demo workload's sidecar takes the
 * inbound listener Sextant's xDS server sends its pod and refuses calls past
 * the local rate limit on it (RESOURCE_EXHAUSTED, HTTP 429 and flag RL in
 * telemetry); the Rate limits API says who enforces it and how much it refused.
 */
/** Slime's example (server/limiter/testdata), at 60 calls a minute per pod. */
const LIMITER = fs.readFileSync(path.join(process.cwd(), "server/limiter/testdata/01-single-inbound.yaml"), "utf8").replace("quota: '100'", "quota: '60'");

/** Calls to reviews refused by a rate limit so far, as the destination (reviews' sidecar) reported them. */
async function refused(rt: Runtime): Promise<{ total: number; code429: number }> {
  let total = 0;
  let code429 = 0;
  for (const r of await rt.demo!.telemetry.readings()) {
    if (r.name !== "istio_requests_total" || r.labels.reporter !== "destination" || String(r.labels.destination_app) !== "reviews") continue;
    if (r.labels.response_flags === "RL") total += r.value;
    if (String(r.labels.response_code) === "429" && String(r.labels.grpc_response_status) === "8") code429 += r.value;
  }
  return { total, code429 };
}

describe("rate limits on the demo", () => {
  let rt: Runtime;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ rt, stop } = await startDemoRuntime("limits", { SEXTANT_XDS_DEBOUNCE_MS: "10" }));
  }, 60_000);
  afterAll(() => stop());
  const limiters = async () => (await (await list(new Request("http://x/api/limiters"))).json()).limiters as { name: string; enforcedBy: string[]; refusedPerMinute: number | null }[];

  it("no limit, nothing refused; a limit of 60 a minute on reviews refuses the excess within a minute, in telemetry and in the API", { timeout: 120_000 }, async () => {
    await new Promise((r) => setTimeout(r, 2000));
    expect((await refused(rt)).total).toBe(0);

    const res = await apply(new Request("http://x/api/limiters", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ yaml: LIMITER, expectedRevision: 0 }) }));
    expect(res.status).toBe(200);
    // Every reviews pod's sidecar holds its listener: the limit is enforced here.
    await expect.poll(async () => (await limiters())[0]!.enforcedBy.length, { timeout: 30_000 }).toBe(3);
    // The demo sends ~40 calls/s to productpage, each calling reviews: far past 60 a minute per pod.
    await expect.poll(async () => (await refused(rt)).total, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
    const r = await refused(rt);
    expect(r.code429).toBe(r.total);
    await expect.poll(async () => (await limiters())[0]!.refusedPerMinute ?? 0, { timeout: 30_000, interval: 1000 }).toBeGreaterThan(0);
  });
});
