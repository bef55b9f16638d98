import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { XdsRig, call, intent, tally, waitFor } from "../testing/xds-rig";
import { syncState } from "./status";

/**
 * Conformance, routing side: real calls through the gRPC team's xDS client
 * (@grpc/grpc-js-xds) against Sextant's ADS server, asserting where calls
 * went and what they got, with one connected client kept across changes
 * (as the demo's and operators' clients are). Policies are in
 * conformance-policies.test.ts.
 */
const rig = new XdsRig();
let client: grpc.Client;
const shift = (w: Record<string, number>) => intent("traffic-shift", { weights: Object.entries(w).map(([subset, weight]) => ({ subset, weight })) });
const only = async (headers: Record<string, string>, n = 40) => (await tally(client, n, headers)).byPod;

beforeAll(async () => {
  await rig.start([
    { name: "echo-v1", version: "v1" },
    { name: "echo-v2", version: "v2" },
    { name: "echo-v3", version: "v3" },
  ]);
  rig.publish(shift({ v1: 100 }));
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = rig.bootstrap();
  xds.register();
  client = rig.client();
  await waitFor(async () => (await call(client)).pod === "echo-v1");
}, 60_000);

afterAll(() => rig.stop());
beforeEach(() => rig.reset());

describe("routing, observed through a connected proxyless gRPC client", () => {
  it("weights: 10/30/60 over 3,000 calls, each within 3 points", async () => {
    rig.publish(shift({ v1: 10, v2: 30, v3: 60 }));
    await expect.poll(async () => Object.keys((await tally(client, 60)).byPod).length, { timeout: 10_000 }).toBe(3);
    const { byPod, failed } = await tally(client, 3000, {}, 50);
    expect(failed).toBe(0);
    expect(Math.abs((byPod["echo-v1"] ?? 0) / 3000 - 0.1)).toBeLessThan(0.03);
    expect(Math.abs((byPod["echo-v2"] ?? 0) / 3000 - 0.3)).toBeLessThan(0.03);
    expect(Math.abs((byPod["echo-v3"] ?? 0) / 3000 - 0.6)).toBeLessThan(0.03);
  });

  it("header matches: exact, prefix and regex route to their subsets; others take the default", async () => {
    rig.publish(
      shift({ v1: 100 }),
      intent("request-routing", {
        rules: [
          { match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v2", weight: 100 }] },
          { match: [{ headers: { "end-user": { prefix: "test-" } } }], route: [{ subset: "v3", weight: 100 }] },
          { match: [{ headers: { "x-tier": { regex: "gold|platinum" } } }], route: [{ subset: "v2", weight: 100 }] },
        ],
      }),
    );
    await expect.poll(() => only({ "end-user": "jason" }), { timeout: 10_000 }).toEqual({ "echo-v2": 40 });
    expect(await only({ "end-user": "test-7" })).toEqual({ "echo-v3": 40 });
    expect(await only({ "x-tier": "platinum" })).toEqual({ "echo-v2": 40 });
    expect(await only({ "x-tier": "silver" })).toEqual({ "echo-v1": 40 });
    expect(await only({ "end-user": "jasonx" })).toEqual({ "echo-v1": 40 });
  });

  it("uri matches on the gRPC method path; a method match holds for POST; a query match never matches gRPC calls (left out, SX303/SX304)", async () => {
    rig.publish(
      shift({ v1: 100 }),
      intent("request-routing", {
        rules: [
          { match: [{ queryParams: { canary: { exact: "1" } } }], route: [{ subset: "v3", weight: 100 }] },
          { match: [{ method: { exact: "GET" } }], route: [{ subset: "v3", weight: 100 }] },
          { match: [{ uri: { prefix: "/sextant.test.Echo/" }, headers: { "x-a": { exact: "1" } } }], route: [{ subset: "v2", weight: 100 }] },
          { match: [{ uri: { exact: "/other.Service/Call" } }], route: [{ subset: "v3", weight: 100 }] },
          { match: [{ method: { exact: "POST" }, headers: { "x-b": { exact: "1" } } }], route: [{ subset: "v3", weight: 100 }] },
        ],
      }),
    );
    await expect.poll(() => only({ "x-a": "1" }), { timeout: 10_000 }).toEqual({ "echo-v2": 40 });
    expect(await only({ "x-b": "1" })).toEqual({ "echo-v3": 40 });
    // Neither the query-parameter rule nor the GET rule took plain calls, and the client is still up.
    expect(await only({})).toEqual({ "echo-v1": 40 });
  });

  it("a fault without a match, added to routes that had none, reaches the connected client: abort 50 % within bounds", async () => {
    rig.publish(shift({ v1: 100 }));
    await expect.poll(async () => (await tally(client, 20)).failed, { timeout: 10_000 }).toBe(0);
    rig.publish(shift({ v1: 100 }), intent("fault-injection", { abort: { httpStatus: 503, percentage: 50 } }));
    await expect.poll(async () => (await tally(client, 40)).failed, { timeout: 10_000 }).toBeGreaterThan(0);
    const before = rig.pods[0]!.calls.length;
    const { failed, outcomes } = await tally(client, 1000, {}, 50);
    expect(failed / 1000).toBeGreaterThan(0.44);
    expect(failed / 1000).toBeLessThan(0.56);
    // 503 reaches a gRPC client as UNAVAILABLE, and the aborted calls never reached a pod.
    expect(new Set(outcomes.filter((o) => o.code !== grpc.status.OK).map((o) => o.code))).toEqual(new Set([grpc.status.UNAVAILABLE]));
    expect(rig.pods[0]!.calls.length - before).toBe(1000 - failed);
    // Removing it reaches the client too.
    rig.publish(shift({ v1: 100 }));
    await expect.poll(async () => (await tally(client, 40)).failed, { timeout: 10_000 }).toBe(0);
  });

  it("a delay for matching calls only", async () => {
    rig.publish(shift({ v1: 100 }), intent("fault-injection", { match: [{ headers: { "x-slow": { exact: "1" } } }], delay: { fixedDelay: "1.5s", percentage: 100 } }));
    await expect.poll(async () => (await call(client, { "x-slow": "1" })).ms, { timeout: 15_000 }).toBeGreaterThanOrEqual(1500);
    expect((await call(client)).ms).toBeLessThan(1500);
  });

  it("a fault with a match adds to the destination the routing rules choose (jason + x-chaos -> v2, failing)", async () => {
    rig.publish(
      shift({ v1: 10, v2: 30, v3: 60 }),
      intent("request-routing", { rules: [{ match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v2", weight: 100 }] }] }),
      intent("fault-injection", { match: [{ headers: { "x-chaos": { exact: "on" } } }], delay: { fixedDelay: "10ms", percentage: 100 } }),
    );
    await expect.poll(() => only({ "end-user": "jason" }), { timeout: 10_000 }).toEqual({ "echo-v2": 40 });
    // Both headers: the rule's destination (v2), with the fault's delay.
    const both = await tally(client, 200, { "end-user": "jason", "x-chaos": "on" });
    expect(both.byPod).toEqual({ "echo-v2": 200 });
    expect(Math.min(...both.outcomes.map((o) => o.ms))).toBeGreaterThanOrEqual(10);
    // The fault alone: the default split.
    const chaos = await tally(client, 600, { "x-chaos": "on" });
    expect(Object.keys(chaos.byPod).sort()).toEqual(["echo-v1", "echo-v2", "echo-v3"]);
  });

  it("a resource the client rejects shows as NACKED with its message, per resource, and never as SYNCED", async () => {
    // Sextant never builds a cluster gRPC rejects any more; serve one by hand (a Cluster with LEAST_REQUEST) to see the report.
    const { buildSnapshot } = await import("./snapshot");
    const { buildResources } = await import("./resources");
    const r = buildResources(rig.mesh(), [shift({ v1: 100 })]);
    for (const c of Object.values(r.clusters)) c.lb_policy = "LEAST_REQUEST";
    rig.ads.setSnapshot(buildSnapshot(r));
    const cds = () => rig.ads.proxies()[0]!.types.find((t) => t.typeUrl.endsWith("Cluster"));
    await expect.poll(() => syncState(cds()), { timeout: 10_000 }).toBe("NACKED");
    expect(cds()!.nack!.message).toContain("LEAST_REQUEST");
    expect(cds()!.nack!.resources.map((x) => x.name)).toContain("outbound|9080|v1|echo.default.svc.cluster.local");
    // Later requests on the stream (new subscriptions, re-sent errors) keep it NACKED.
    await tally(client, 20);
    await new Promise((r) => setTimeout(r, 500));
    expect(syncState(cds())).toBe("NACKED");
    // A good snapshot clears it.
    rig.publish(shift({ v1: 100 }));
    await expect.poll(() => syncState(cds()), { timeout: 10_000 }).toBe("SYNCED");
  });
});
