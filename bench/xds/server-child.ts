/** The ADS server under load, in its own process so its memory is its own. Driven by bench/xds/run.ts over IPC. */
import { createLogger } from "../../server/log";
import { AdsServer } from "../../server/xds/server";
import { SnapshotBuilder } from "../../server/xds/snapshot";
import { syntheticMesh } from "./mesh";

const { mesh, intents } = syntheticMesh();
const server = new AdsServer(createLogger({ bench: true }));
const builder = new SnapshotBuilder(); // as the console's controller builds them
server.setSnapshot(builder.build(mesh, intents(80)));
const port = await server.listen("127.0.0.1", 0);
process.send!({ port });
process.on("message", (m: { cmd: string; v1?: number }) => {
  if (m.cmd === "publish") {
    const t = performance.now();
    const snapshot = builder.build(mesh, intents(m.v1!));
    const buildMs = performance.now() - t;
    const pushes = server.setSnapshot(snapshot);
    process.send!({ published: true, pushes, buildMs });
  } else if (m.cmd === "mem") {
    global.gc?.();
    const u = process.memoryUsage();
    process.send!({ mem: { rss: u.rss, heapUsed: u.heapUsed }, streams: server.proxies().length });
  } else if (m.cmd === "exit") {
    void server.close().then(() => process.exit(0));
  }
});
