/**
 * bench/load's xDS side, in its own process so decoding pushes does not delay the timing of API
 * answers: opens COUNT ADS streams (PER_CONNECTION per connection, sidecars watching reviews'
 * routes, every answer acknowledged) spread over the xDS ports given, prints {"ready":true} once
 * every stream has its first answer, then on stdin "stats" prints {"broken","pushes"}; "close" ends.
 *   npx tsx bench/load/streams.ts COUNT PORT[,PORT...]
 */
import readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import { adsClient } from "../../server/testing/replicas";

const PER_CONNECTION = 20;
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const ROUTE = "reviews.default.svc.cluster.local:9080";
const count = Number(process.argv[2]);
const ports = process.argv[3]!.split(",").map(Number);

const AdsClient = adsClient();
type Call = grpc.ClientDuplexStream<unknown, { nonce: string; version_info: string }>;

let broken = 0;
let pushes = 0;
let closing = false;
const clients = new Map<number, grpc.Client>();
const calls: Call[] = [];
const first: Promise<void>[] = [];
for (let i = 0; i < count; i++) {
  const port = ports[i % ports.length]!;
  // Streams i, i+ports, ... share a connection PER_CONNECTION at a time.
  const conn = Math.floor(i / (PER_CONNECTION * ports.length)) * ports.length + (i % ports.length);
  if (!clients.has(conn)) clients.set(conn, new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }));
  const call = (clients.get(conn) as unknown as { StreamAggregatedResources(): Call }).StreamAggregatedResources();
  call.on("error", () => !closing && broken++);
  call.on("end", () => !closing && broken++);
  first.push(
    new Promise<void>((resolve) =>
      call.on("data", (res) => {
        pushes++;
        call.write({ type_url: RDS, resource_names: [ROUTE], version_info: res.version_info, response_nonce: res.nonce });
        resolve();
      }),
    ),
  );
  call.write({ node: { id: `sidecar~10.1.${Math.floor(i / 250)}.${i % 250}~load-${i}.default~default.svc.cluster.local`, cluster: "bench" }, type_url: RDS, resource_names: [ROUTE] });
  calls.push(call);
}
await Promise.all(first);
console.log(JSON.stringify({ ready: true, connections: clients.size }));
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === "stats") console.log(JSON.stringify({ broken, pushes }));
  if (line === "close") {
    closing = true;
    for (const c of calls) c.end();
    for (const c of clients.values()) c.close();
    process.exit(0);
  }
}
