import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { validateIntent } from "../intents/validate";
import { XdsRig, call, intent, tally, waitFor } from "../testing/xds-rig";
import { syncState } from "./status";

/**
 * Conformance, policy side: load balancers, consistent hashing, connection
 * pool limits, outlier detection, retries and timeouts, observed through the
 * gRPC team's xDS client against Sextant's ADS server with one connected
 * client kept across changes. Where proxyless gRPC cannot honour an option,
 * the test shows what it gets instead, the finding that says so, and that
 * the client never NACKs and stays up (an uncaught exception fails the run).
 */
const rig = new XdsRig();
let client: grpc.Client;
const shift = (w: Record<string, number>) => intent("traffic-shift", { weights: Object.entries(w).map(([subset, weight]) => ({ subset, weight })) });
const facts = { namespace: "default", name: "echo", subsets: ["v1", "v2", "v3"], protocols: ["GRPC"], proxylessClients: ["proxyless-conformance"] };
const allSynced = () => rig.ads.proxies().every((p) => p.types.every((t) => syncState(t) === "SYNCED"));
/** Publishes, then waits until the connected client has ACKed everything. */
async function publish(...intents: Parameters<XdsRig["publish"]>) {
  rig.publish(...intents);
  await expect.poll(allSynced, { timeout: 10_000 }).toBe(true);
}

beforeAll(async () => {
  await rig.start([
    { name: "echo-a", version: "v1" },
    { name: "echo-b", version: "v1" },
    { name: "echo-c", version: "v1" },
  ]);
  rig.publish();
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = rig.bootstrap();
  xds.register();
  client = rig.client();
  await waitFor(async () => (await call(client)).code === grpc.status.OK);
}, 60_000);

afterAll(() => rig.stop());
beforeEach(() => rig.reset());

describe("load balancers", () => {
  it.each(["LEAST_REQUEST", "RANDOM", "PASSTHROUGH"])("%s: proxyless clients get round robin (SX301), ACK it and keep calling every endpoint", async (simple) => {
    const lb = intent("load-balancer", { simple });
    expect(validateIntent(lb, facts, []).map((f) => f.code)).toEqual(["SX301"]);
    await publish(lb);
    const { byPod, failed } = await tally(client, 300);
    expect(failed).toBe(0);
    // Round robin: every endpoint within a few calls of a third.
    for (const p of ["echo-a", "echo-b", "echo-c"]) expect(Math.abs((byPod[p] ?? 0) - 100), p).toBeLessThanOrEqual(5);
  });

  it("consistent hash by header: the same header value keeps to one endpoint; values spread over them", async () => {
    await publish(intent("load-balancer", { consistentHash: { httpHeaderName: "x-user" } }));
    for (const user of ["alice", "bob", "carol"]) {
      const { byPod, failed } = await tally(client, 60, { "x-user": user });
      expect(failed).toBe(0);
      expect(Object.keys(byPod), user).toHaveLength(1);
    }
    const seen = new Set<string>();
    for (let u = 0; u < 30; u++) seen.add((await call(client, { "x-user": `user-${u}` })).pod!);
    expect(seen.size).toBeGreaterThan(1);
  });

  it.each([
    ["cookie", { httpCookie: { name: "session" } }],
    ["source IP", { useSourceIp: true }],
  ])("consistent hash by %s: proxyless clients hash by channel (SX302): one channel keeps to one endpoint, channels spread", async (_name, consistentHash) => {
    const lb = intent("load-balancer", { consistentHash });
    expect(validateIntent(lb, facts, []).map((f) => f.code)).toEqual(["SX302"]);
    await publish(lb);
    const { byPod } = await tally(client, 100);
    expect(Object.keys(byPod)).toHaveLength(1);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const c = rig.client();
      await waitFor(async () => (await call(c)).code === grpc.status.OK);
      const one = await tally(c, 10);
      expect(Object.keys(one.byPod)).toHaveLength(1);
      seen.add(Object.keys(one.byPod)[0]!);
      c.close();
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe("resilience", () => {
  it("connection pool: http2MaxRequests caps concurrent calls, the rest fail fast as UNAVAILABLE (SX309 for the rest of the pool)", async () => {
    const cb = intent("circuit-breaking", { connectionPool: { tcp: { maxConnections: 1 }, http: { http2MaxRequests: 3 } } });
    expect(validateIntent(cb, facts, []).map((f) => f.code)).toEqual(["SX309"]);
    await publish(cb);
    for (const p of rig.pods) p.delayMs = 1000;
    // Calls started 25 ms apart (gRPC counts a call once its stream has started, so a burst in one tick is never limited).
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => new Promise((r) => setTimeout(r, i * 25)).then(() => call(client))));
    const ok = outcomes.filter((o) => o.code === grpc.status.OK);
    expect(ok.length).toBeGreaterThanOrEqual(3);
    expect(ok.length).toBeLessThanOrEqual(5);
    expect(outcomes.filter((o) => o.code === grpc.status.UNAVAILABLE).length).toBe(12 - ok.length);
  });

  it("outlier detection: a failing endpoint is ejected and gets no traffic; the client stays up", async () => {
    const od = intent("circuit-breaking", { outlierDetection: { consecutive5xxErrors: 5, interval: "1s", baseEjectionTime: "60s", maxEjectionPercent: 50 } });
    expect(validateIntent(od, facts, []).map((f) => f.code)).toEqual(["SX308"]);
    await publish(od);
    rig.pods[2]!.fail = grpc.status.UNAVAILABLE;
    // Traffic for a few intervals: echo-c fails everything it gets, until ejected.
    await expect
      .poll(
        async () => {
          await tally(client, 150, {}, 30);
          const before = rig.pods[2]!.calls.length;
          const { byPod } = await tally(client, 150, {}, 30);
          return rig.pods[2]!.calls.length - before === 0 && (byPod["echo-a"] ?? 0) + (byPod["echo-b"] ?? 0) === 150;
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);
    // Still ejected, and still answering, a few seconds later (the success-rate timer that crashed grpc-js has run by now).
    await new Promise((r) => setTimeout(r, 2500));
    const before = rig.pods[2]!.calls.length;
    const { failed } = await tally(client, 200);
    expect(failed).toBe(0);
    expect(rig.pods[2]!.calls.length - before).toBe(0);
  });

  it("retries on unavailable: every first attempt fails, the retry succeeds; per-try timeouts are not sent (SX306), 5xx becomes unavailable (SX307)", async () => {
    await publish(shift({ v1: 100 }));
    // A pod fails a call's first attempt; gRPC marks retries with grpc-previous-rpc-attempts.
    for (const p of rig.pods) p.fail = (_n, md) => (md["grpc-previous-rpc-attempts"] ? undefined : grpc.status.UNAVAILABLE);
    expect((await tally(client, 30)).failed).toBe(30);
    const retry = intent("timeouts-retries", { retries: { attempts: 3, perTryTimeout: "2s", retryOn: ["5xx"] } });
    expect(validateIntent(retry, facts, []).map((f) => f.code)).toEqual(["SX306", "SX307"]);
    await publish(retry);
    const { failed } = await tally(client, 120);
    expect(failed).toBe(0);
    expect(rig.pods.flatMap((p) => p.calls).filter((c) => c.metadata["grpc-previous-rpc-attempts"] === "1")).toHaveLength(120);
  });

  it("a timeout ends a slow call at the timeout (as max_stream_duration, which gRPC reads)", async () => {
    await publish(intent("timeouts-retries", { timeout: "300ms" }));
    for (const p of rig.pods) p.delayMs = 3000;
    const o = await call(client);
    expect(o.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(o.ms).toBeLessThan(2000);
    for (const p of rig.pods) p.delayMs = undefined;
    expect((await call(client)).code).toBe(grpc.status.OK);
  });

  it("mirroring is not sent to proxyless clients (SX305): calls keep flowing, the mirror subset gets no copies from them", async () => {
    const m = intent("mirroring", { subset: "v1", percentage: 100 });
    expect(validateIntent(m, facts, []).map((f) => f.code)).toEqual(["SX305"]);
    await publish(m);
    const { failed, byPod } = await tally(client, 90);
    expect(failed).toBe(0);
    // 90 calls, each answered once: no endpoint saw a second (mirrored) copy.
    expect(rig.pods.reduce((a, p) => a + p.calls.length, 0)).toBe(90);
    expect(Object.values(byPod).reduce((a, b) => a + b, 0)).toBe(90);
  });
});
