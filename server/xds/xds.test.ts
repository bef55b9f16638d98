import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoMesh } from "../demo/mesh";
import { bookinfoServiceDefinitions } from "../demo/proto";
import { type IntentDraft, intentDraftSchema } from "../intents/schemas";
import { MemoryRegistry } from "../mesh/registry";
import { quietLog } from "../testing/databases";
import { TYPE } from "./protos";
import { buildResources } from "./resources";
import { AdsServer } from "./server";
import { buildSnapshot } from "./snapshot";

/**
 * Sextant's ADS server driving the gRPC team's real xDS client
 * (@grpc/grpc-js-xds) in front of the demo's real reviews servers (v1, v2, v3).
 */
const TARGET = "xds:///reviews.default.svc.cluster.local:9080";
const intent = (kind: string, spec: unknown): IntentDraft => intentDraftSchema.parse({ kind, namespace: "default", target: "reviews", spec });
const shift = (w: Record<string, number>) => intent("traffic-shift", { weights: Object.entries(w).map(([subset, weight]) => ({ subset, weight })) });

describe("ADS server with the real gRPC xDS client", () => {
  const registry = new MemoryRegistry();
  const mesh = new DemoMesh({ registry, log: quietLog, host: "127.0.0.1", metricsPort: 0, requestsPerSecond: 0, ratingsErrorRate: 0 });
  const server = new AdsServer(quietLog);
  let client: grpc.Client;
  const publish = (intents: IntentDraft[]) => server.setSnapshot(buildSnapshot(buildResources(registry.snapshot(), intents)));
  const def = () => bookinfoServiceDefinitions().reviews.GetReviews!;
  const call = (metadata = new grpc.Metadata()) =>
    new Promise<string>((resolve, reject) =>
      client.makeUnaryRequest(def().path, def().requestSerialize, def().responseDeserialize, { productId: 1 }, metadata, { deadline: Date.now() + 10_000 }, (err, res) =>
        err ? reject(err) : resolve((res as { podname: string }).podname),
      ),
    );
  const split = async (n: number, metadata?: grpc.Metadata) => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => call(metadata)));
      for (const w of batch) counts[w] = (counts[w] ?? 0) + 1;
    }
    return counts;
  };

  beforeAll(async () => {
    await mesh.start();
    const port = await server.listen("127.0.0.1", 0);
    publish([shift({ v1: 80, v2: 20 })]);
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
      node: { id: "sidecar~127.0.0.1~xds-test.default~default.svc.cluster.local", cluster: "xds-test", locality: {} },
    });
    xds.register();
    client = new grpc.Client(TARGET, grpc.credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await server.close();
    await mesh.stop();
  });

  it("an 80/20 weighted route splits 2,000 calls within 3 points", async () => {
    const counts = await split(2000);
    const v1 = (counts["reviews-v1"] ?? 0) / 2000;
    expect(counts["reviews-v3"] ?? 0).toBe(0);
    expect(v1).toBeGreaterThan(0.77);
    expect(v1).toBeLessThan(0.83);
  });

  it("reports the proxy with every type ACKed at the version it was sent", () => {
    const [proxy] = server.proxies();
    expect(proxy!.nodeId).toBe("sidecar~127.0.0.1~xds-test.default~default.svc.cluster.local");
    const types = Object.fromEntries(proxy!.types.map((t) => [t.typeUrl.split(".").pop(), t]));
    for (const t of ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"]) {
      expect(types[t], t).toBeDefined();
      expect(types[t]!.ackedVersion, t).toBe(types[t]!.sentVersion);
      expect(types[t]!.nack, t).toBeUndefined();
    }
  });

  it("routes calls matching a header rule, others by weight", async () => {
    publish([shift({ v1: 80, v2: 20 }), intent("request-routing", { rules: [{ match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v3", weight: 100 }] }] })]);
    const jason = new grpc.Metadata();
    jason.set("end-user", "jason");
    await expect.poll(async () => (await split(20, jason))["reviews-v3"] ?? 0, { timeout: 10_000 }).toBe(20);
    const others = await split(200);
    expect(others["reviews-v3"] ?? 0).toBe(0);
  });

  it("moves all traffic when the weights change", async () => {
    publish([shift({ v2: 100 })]);
    await expect.poll(async () => (await split(50))["reviews-v2"] ?? 0, { timeout: 10_000 }).toBe(50);
  });

  it("injects faults for matching calls only: aborts and delays", async () => {
    const jason = new grpc.Metadata();
    jason.set("end-user", "jason");
    publish([shift({ v1: 100 }), intent("fault-injection", { match: [{ headers: { "end-user": { exact: "jason" } } }], abort: { httpStatus: 503, percentage: 100 } })]);
    await expect.poll(async () => call(jason).then(() => "ok", (e: grpc.ServiceError) => e.code), { timeout: 10_000 }).toBe(grpc.status.UNAVAILABLE);
    expect(await call()).toBe("reviews-v1");
    // A delay long enough that an undelayed call cannot take as long even on a loaded machine.
    publish([shift({ v1: 100 }), intent("fault-injection", { match: [{ headers: { "end-user": { exact: "jason" } } }], delay: { fixedDelay: "2s", percentage: 100 } })]);
    await expect.poll(async () => { const t = performance.now(); await call(jason); return performance.now() - t >= 2000; }, { timeout: 15_000 }).toBe(true);
    const t = performance.now();
    await call();
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it("an invalid resource is NACKed, shown as NACKED with the client's error, and traffic keeps flowing on the last good config", async () => {
    publish([shift({ v1: 100 })]);
    await expect.poll(async () => (await split(20))["reviews-v1"] ?? 0, { timeout: 10_000 }).toBe(20);
    // Load assignments without a locality: gRPC's xDS client rejects them.
    const bad = buildResources(registry.snapshot(), [shift({ v1: 100 })]);
    for (const cla of Object.values(bad.endpoints)) delete ((cla.endpoints as Record<string, unknown>[])[0]!).locality;
    server.setSnapshot(buildSnapshot(bad));
    await expect
      .poll(() => server.proxies()[0]!.types.find((t) => t.typeUrl === TYPE.endpoint)?.nack?.message ?? "", { timeout: 10_000 })
      .toContain("locality unset");
    const counts = await split(100);
    expect(counts["reviews-v1"]).toBe(100);
  });

  it("clients survive a restart of the server and take the next change from the new one", async () => {
    const port = Number(JSON.parse(process.env.GRPC_XDS_BOOTSTRAP_CONFIG!).xds_servers[0].server_uri.split(":")[1]);
    await server.close();
    expect((await split(20))["reviews-v1"]).toBe(20); // cached config keeps working while the server is away
    const again = new AdsServer(quietLog);
    await again.listen("127.0.0.1", port);
    again.setSnapshot(buildSnapshot(buildResources(registry.snapshot(), [shift({ v3: 100 })])));
    try {
      await expect.poll(async () => (await split(20))["reviews-v3"] ?? 0, { timeout: 20_000, interval: 500 }).toBe(20);
      expect(again.proxies()).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

});
