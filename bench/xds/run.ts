/**
 * xDS at scale: 1,000 services, 1,000 concurrent ADS streams.
 *  - snapshot build: resources + encoding for the whole mesh (one snapshot
 *    serves every proxy; a proxy's response is a lookup of its subscriptions);
 *  - push: 1,000 streams behave like proxyless gRPC clients of svc-0000
 *    (LDS, RDS, CDS, EDS for it, each ACKed); one weight change on svc-0000
 *    is published and the time until each stream receives its new route
 *    configuration is measured;
 *  - memory: the server process's RSS with all streams connected.
 * Run: npx tsx bench/xds/run.ts
 */
import { fork } from "node:child_process";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { TYPE, includeDirs } from "../../server/xds/protos";
import { buildResources } from "../../server/xds/resources";
import { SnapshotBuilder, buildSnapshot } from "../../server/xds/snapshot";
import { recordResult, stats } from "../lib/results";
import { syntheticMesh } from "./mesh";

const STREAMS = Number(process.argv[2] ?? 1000);
const CHANNELS = 10;

// 1. Snapshot build.
const { mesh, intents } = syntheticMesh();
const builds: number[] = [];
for (let i = 0; i < 13; i++) {
  const t = performance.now();
  buildSnapshot(buildResources(mesh, intents(80 - (i % 3))));
  if (i >= 3) builds.push(performance.now() - t);
}
const build = stats(builds);
// Incremental, as the console builds them: one service's weights change, the rest is reused.
const builder = new SnapshotBuilder();
builder.build(mesh, intents(80));
const incs: number[] = [];
// The intents as the console's loader hands them over: parsed once per revision, the same
// objects while a revision stands (parsing is not part of the build).
const alternating = [intents(70), intents(60)];
for (let i = 0; i < 23; i++) {
  const given = alternating[i % 2]!;
  const t = performance.now();
  builder.build(mesh, given);
  if (i >= 3) incs.push(performance.now() - t);
}
const inc = stats(incs);
console.log(`snapshot for 1,000 services: from scratch p50 ${build.p50.toFixed(0)} ms; after one service changed p50 ${inc.p50.toFixed(1)} ms`);

// 2. The server in its own process.
const child = fork(path.join(import.meta.dirname, "server-child.ts"), [], { execArgv: ["--import", "tsx", "--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
const replies: ((m: Record<string, unknown>) => void)[] = [];
child.on("message", (m: Record<string, unknown>) => replies.shift()?.(m));
const ask = (msg?: Record<string, unknown>) =>
  new Promise<Record<string, unknown>>((resolve) => {
    replies.push(resolve);
    if (msg) child.send(msg);
  });
const { port } = (await ask()) as { port: number };

const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, includeDirs: includeDirs() });
const Ads = (grpc.loadPackageDefinition(pkg) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } }).envoy.service.discovery.v3.AggregatedDiscoveryService;
const clients = Array.from({ length: CHANNELS }, (_, i) => new Ads(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.sextant_bench_channel": i, "grpc.max_receive_message_length": 64 * 1024 * 1024 }));

const host = "svc-0000.ns-00.svc.cluster.local";
const listener = `${host}:9080`;
const clusters = ["", "v1", "v2", "v3"].map((s) => `outbound|9080|${s}|${host}`);
type Resp = { type_url: string; version_info: string; nonce: string };

let routeWaiters = 0;
let onRoute: ((stream: number, at: number) => void) | undefined;
const ready: Promise<void>[] = [];
for (let i = 0; i < STREAMS; i++) {
  const call = (clients[i % CHANNELS] as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, Resp> }).StreamAggregatedResources();
  const node = { id: `sidecar~10.9.${Math.floor(i / 250)}.${i % 250}~bench-${i}.default~default.svc.cluster.local`, cluster: "bench" };
  const names: Record<string, string[]> = { [TYPE.listener]: [listener], [TYPE.route]: [listener], [TYPE.cluster]: clusters, [TYPE.endpoint]: clusters };
  let acked = 0;
  ready.push(
    new Promise((resolve) => {
      call.on("data", (r: Resp) => {
        call.write({ node, type_url: r.type_url, resource_names: names[r.type_url], version_info: r.version_info, response_nonce: r.nonce });
        if (++acked === 4) resolve();
        if (acked > 4 && r.type_url === TYPE.route) onRoute?.(i, performance.now());
      });
      call.on("error", () => {});
      for (const t of [TYPE.listener, TYPE.route, TYPE.cluster, TYPE.endpoint]) call.write({ node, type_url: t, resource_names: names[t] });
    }),
  );
}
const t0 = performance.now();
await Promise.all(ready);
console.log(`${STREAMS} streams subscribed and ACKed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const memBefore = (await ask({ cmd: "mem" })) as { mem: { rss: number; heapUsed: number }; streams: number };

// 3. One weight change, timed to every stream.
const latencies: number[] = [];
const all = new Promise<void>((resolve) => {
  routeWaiters = STREAMS;
  onRoute = (_s, at) => {
    latencies.push(at - start);
    if (--routeWaiters === 0) resolve();
  };
});
const start = performance.now();
const published = (await ask({ cmd: "publish", v1: 50 })) as { pushes: number; buildMs: number };
await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
const push = stats(latencies);
const p99 = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.99) - 1] ?? NaN;
const memAfter = (await ask({ cmd: "mem" })) as { mem: { rss: number; heapUsed: number } };
console.log(`weight change reached ${latencies.length}/${STREAMS} streams (${published.pushes} pushes): p50 ${push.p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${push.max.toFixed(0)} ms; server RSS ${(memAfter.mem.rss / 2 ** 20).toFixed(0)} MB`);

child.send({ cmd: "exit" });
for (const c of clients) c.close();
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
recordResult("xDS", [
  `Command: \`npx tsx bench/xds/run.ts\`. 1,000 services (20 namespaces, 3 versions each, 3,000 pods) with a traffic-shift intent each. Snapshot: build + protobuf encoding (and consistency check) of every listener, route configuration, cluster and load assignment (${Object.keys(buildResources(mesh, intents(80)).clusters).length} clusters), plus, in the incremental builder, each pod's own inbound listener and clusters for Envoy sidecars (3,000 pods); one snapshot serves every proxy, a proxy's response being a lookup of its subscriptions. Push: ${STREAMS} concurrent ADS streams over ${CHANNELS} connections from a load client in the benchmark, each subscribed like a proxyless gRPC client of svc-0000 (LDS, RDS, CDS, EDS, all ACKed); one weight change on svc-0000 published; time from publishing to each stream receiving its new route configuration. Memory: the server process alone (it runs in a child process). Targets: snapshot build p50 under 20 ms; push p99 under 1 s; memory under 500 MB.`,
  "",
  "| measure | result |",
  "|---|---|",
  `| snapshot build after one service's weights change (incremental, as the console builds; the changed service's resources rebuilt, the rest reused), p50 (min-max) | ${inc.p50.toFixed(1)} ms (${inc.min.toFixed(1)}-${inc.max.toFixed(1)}) |`,
  `| snapshot build for the whole mesh from scratch (start-up), p50 (min-max) | ${build.p50.toFixed(1)} ms (${build.min.toFixed(1)}-${build.max.toFixed(1)}) |`,
  `| build time inside the server for the timed change | ${published.buildMs.toFixed(1)} ms |`,
  `| weight change reaching the streams | ${latencies.length}/${STREAMS} streams; p50 ${push.p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${push.max.toFixed(0)} ms |`,
  `| server memory with ${STREAMS} streams (RSS / heap used) | before the change ${mb(memBefore.mem.rss)} / ${mb(memBefore.mem.heapUsed)}; after ${mb(memAfter.mem.rss)} / ${mb(memAfter.mem.heapUsed)} |`,
]);
process.exit(0);
