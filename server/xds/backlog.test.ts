import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intentDraftSchema } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { quietLog } from "../testing/databases";
import { TYPE, includeDirs } from "./protos";
import { AdsServer } from "./server";
import { SnapshotBuilder, resourcesFor } from "./snapshot";

/**
 * A proxy that stops reading must not make the server buffer every push for
 * it: what it has not taken is bounded (the backlog limit plus one response),
 * and once it reads again it gets the snapshot current then, not every one
 * in between. A real gRPC stream whose reader is paused (HTTP/2 flow control
 * stops the server's writes).
 */
const SERVICES = 300;
const mesh: MeshSnapshot = {
  revision: 1,
  namespaces: ["default"],
  services: Array.from({ length: SERVICES }, (_, i) => ({ namespace: "default", name: `svc-${i}`, hostname: `svc-${i}.default.svc.cluster.local`, labels: {}, selector: { app: `svc-${i}` }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC" as const, targetPortName: "grpc" }] })),
  workloads: [],
  endpoints: Array.from({ length: SERVICES * 2 }, (_, i) => ({ namespace: "default", pod: `p-${i}`, workload: `w-${i}`, address: `10.0.${i >> 8}.${i & 255}`, ports: [{ name: "grpc", port: 9080 }], labels: { app: `svc-${i >> 1}`, version: `v${i & 1}` }, ready: true })),
};
/** Every service's outlier detection changes with n: every cluster changes. */
const intents = (n: number) => mesh.services.map((s) => intentDraftSchema.parse({ kind: "circuit-breaking", namespace: "default", target: s.name, spec: { outlierDetection: { consecutive5xxErrors: 1 + (n % 50) } } }));
const LIMIT = 256 * 1024;

describe("a proxy that stops reading", () => {
  const server = new AdsServer(quietLog, undefined, LIMIT);
  const builder = new SnapshotBuilder();
  let port = 0;
  beforeAll(async () => {
    port = await server.listen("127.0.0.1", 0);
    server.setSnapshot(builder.build(mesh, intents(0)));
  });
  afterAll(() => server.close());

  it("costs the server a bounded backlog, does not hold up a proxy that reads, and gets the latest snapshot when it reads again", async () => {
    const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, includeDirs: includeDirs() });
    const Ads = (grpc.loadPackageDefinition(pkg) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } }).envoy.service.discovery.v3.AggregatedDiscoveryService;
    const client = new Ads(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, { version_info: string; resources: unknown[] }> }).StreamAggregatedResources();
    call.on("error", () => undefined);
    const received: string[] = [];
    let first: () => void;
    const gotFirst = new Promise<void>((r) => (first = r));
    call.on("data", (r) => {
      received.push(r.version_info);
      first();
    });
    // A proxyless client: the version it is sent is the snapshot's own (an Envoy's would include its cluster overlay).
    call.write({ node: { id: "slow-reader", cluster: "t", user_agent_name: "gRPC Node Pure JS" }, type_url: TYPE.cluster });
    await gotFirst;
    // Another proxy, on its own connection, reading all along.
    const other = new Ads(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
    const fast = (other as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, { version_info: string; nonce: string }> }).StreamAggregatedResources();
    fast.on("error", () => undefined);
    const fastReceived: string[] = [];
    fast.on("data", (r) => {
      fastReceived.push(r.version_info);
      fast.write({ type_url: TYPE.cluster, version_info: r.version_info, response_nonce: r.nonce });
    });
    fast.write({ node: { id: "fast-reader", cluster: "t", user_agent_name: "gRPC Node Pure JS" }, type_url: TYPE.cluster });
    await expect.poll(() => fastReceived.length, { timeout: 10_000 }).toBeGreaterThan(0);
    call.pause();
    let maxBacklog = 0;
    for (let n = 1; n <= 60; n++) {
      server.setSnapshot(builder.build(mesh, intents(n)));
      maxBacklog = Math.max(maxBacklog, server.proxies()[0]!.backlogBytes);
      await new Promise((r) => setTimeout(r, 5));
    }
    const oneResponse = [...resourcesFor(server.current()!, TYPE.cluster, undefined, "proxyless").all.values()].reduce((a, r) => a + r.any.value.length, 0);
    expect(oneResponse).toBeGreaterThan(LIMIT / 4); // big enough that an unbounded backlog would show
    expect(maxBacklog).toBeLessThanOrEqual(LIMIT + oneResponse + 1024);
    const latest = resourcesFor(server.current()!, TYPE.cluster, undefined, "proxyless").version;
    // The reading proxy has the latest snapshot while the other still reads nothing.
    await expect.poll(() => fastReceived.at(-1), { timeout: 10_000 }).toBe(latest);
    expect(received.at(-1)).not.toBe(latest);
    fast.end();
    other.close();
    call.resume();
    await expect.poll(() => received[received.length - 1], { timeout: 10_000 }).toBe(latest);
    // Fewer responses than the 60 snapshots published (the transport takes some before flow control stops it).
    expect(received.length).toBeLessThan(40);
    call.end();
    client.close();
  });
});
