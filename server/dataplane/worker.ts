import { parentPort } from "node:worker_threads";
import { describeError } from "../errors";
import { log, setLogLevel } from "../log";
import { MemoryRegistry } from "../mesh/registry";
import { Dataplane } from "./dataplane";
import type { FromWorker, ToWorker } from "./messages";

/**
 * The data plane thread's entry (started by host.ts): runs a Dataplane and
 * bridges it to the console's thread. The demo publishes its pods into a
 * registry of this thread, mirrored to the console's on every change; proxy
 * status is sent whenever it changes (at most every 50 ms).
 */
const port = parentPort;
if (!port) throw new Error("server/dataplane/worker.ts runs as a worker thread (see host.ts)");
const send = (m: FromWorker) => port.postMessage(m);
const registry = new MemoryRegistry();
let dataplane: Dataplane | undefined;
let proxiesTimer: NodeJS.Timeout | undefined;
const proxiesChanged = () => {
  proxiesTimer ??= setTimeout(() => {
    proxiesTimer = undefined;
    if (dataplane) send({ t: "proxies", proxies: dataplane.proxies(), events: dataplane.takeXdsEvents() });
  }, 50);
};
// An exception nothing caught (a client library throwing from a timer, say) is logged, at most once
// a minute with a count, and the thread goes on serving, as the console did with it on its own thread.
// Were the thread to die anyway, the console starts it again (host.ts).
let uncaught = { count: 0, since: 0 };
process.on("uncaughtException", (e) => {
  uncaught.count++;
  const now = Date.now();
  if (now - uncaught.since < 60_000 && uncaught.count > 1) return;
  log.error("uncaught exception on the data plane thread", { error: describeError(e), stack: e instanceof Error ? e.stack : undefined, inTheLastMinute: uncaught.count });
  uncaught = { count: 0, since: now };
});

const mirror = () => send({ t: "registry", snapshot: registry.snapshot(), sources: registry.sources() });
registry.onChange(mirror);

port.on("message", async (m: ToWorker) => {
  if (m.t === "start") {
    setLogLevel(m.logLevel);
    dataplane = new Dataplane(m.opts, registry, log.child({ thread: "dataplane" }), proxiesChanged);
    await dataplane.start();
    mirror();
    send({ t: "started", xdsPort: dataplane.xdsPort, metricsUrl: dataplane.metricsUrl, demoRunning: dataplane.demoRunning, ...(dataplane.demoError ? { demoError: dataplane.demoError } : {}) });
    return;
  }
  if (m.t === "exit") {
    // Every socket closed first: ending a thread while HTTP/2 still reads on it aborts the whole
    // process (nodejs/node#38418), so the thread ends only once its gRPC servers and clients are gone.
    await dataplane?.stop().catch(() => undefined);
    if (proxiesTimer) clearTimeout(proxiesTimer);
    process.exit(m.code);
  }
  try {
    const d = dataplane!;
    const a = m.args as never[];
    const value =
      m.op === "build" ? d.build(a[0]!) : m.op === "config" ? d.config(a[0]!, a[1]!) : m.op === "view" ? d.view(a[0]!, a[1], a[2]!) : m.op === "readings" ? await d.readings() : m.op === "startLoad" ? await d.startLoad() : await d.stop();
    if (m.op === "stop") {
      mirror();
      if (proxiesTimer) clearTimeout(proxiesTimer);
    }
    send({ t: "res", id: m.id, ok: true, value });
  } catch (e) {
    send({ t: "res", id: m.id, ok: false, error: describeError(e) });
  }
});
