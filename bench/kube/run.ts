/**
 * Kubernetes to the mesh model and on to xDS:
 *  - initial list: 5,000 Pods, 1,000 Services, 1,000 EndpointSlices, 3,000 Deployments (the API
 *    test double in a child process, real object shapes from a real API server) read by the
 *    Kubernetes source (paged lists of 500, as any informer) into the model; target under 2 s;
 *  - memory the source and the model hold at that size (heap after GC, before and after);
 *  - a watch event (an endpoint turning unready, as during a rollout) to the model, and on to a
 *    published xDS snapshot (XdsController -> SnapshotPublisher, built and encoded; debounce 0 —
 *    SEXTANT_XDS_DEBOUNCE_MS, 100 ms by default, adds its batching delay on top); target p99
 *    under 100 ms.
 * Run: node --expose-gc --import tsx bench/kube/run.ts
 */
import { fork } from "node:child_process";
import path from "node:path";
import { KubeClient } from "../../server/kube/client";
import { KubeSource } from "../../server/kube/source";
import { kubeConfigFor } from "../../server/testing/kubeconfig";
import { MemoryRegistry } from "../../server/mesh/registry";
import { quietLog } from "../../server/testing/databases";
import { XdsController } from "../../server/xds/controller";
import { SnapshotPublisher } from "../../server/xds/publisher";
import { recordResult, stats } from "../lib/results";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc --import tsx bench/kube/run.ts");
const child = fork(path.join(import.meta.dirname, "cluster-child.ts"), { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
const ready = await new Promise<{ url: string; objects: Record<string, number> }>((resolve) => child.once("message", (m) => resolve(m as never)));
console.log("cluster ready", ready.objects);

gc();
const heapBefore = process.memoryUsage().heapUsed;
const registry = new MemoryRegistry();
const t0 = performance.now();
const source = new KubeSource({ client: new KubeClient(kubeConfigFor(ready.url)), registry, log: quietLog });
source.start();
await new Promise<void>((resolve) => {
  const off = registry.onChange((s) => {
    if (s.endpoints.length === ready.objects.pods) {
      off();
      resolve();
    }
  });
});
const initialMs = performance.now() - t0;
gc();
const heapAfter = process.memoryUsage().heapUsed;
const snap = registry.snapshot();
console.log(`initial list to model: ${initialMs.toFixed(0)} ms; ${snap.services.length} services, ${snap.workloads.length} workloads, ${snap.endpoints.length} endpoints; heap +${((heapAfter - heapBefore) / 2 ** 20).toFixed(0)} MB`);

let published: (() => void) | undefined;
const publisher = new SnapshotPublisher(() => published?.());
const xds = new XdsController({ registry, publish: (input) => publisher.build(input), intents: async () => [], debounceMs: 0, log: quietLog });
await xds.start();

const toModel: number[] = [];
const toPush: number[] = [];
const N = 200;
for (let k = 0; k < N; k++) {
  const i = (k * 37) % ready.objects.services!;
  const t = performance.now();
  let modelAt = 0;
  const pushed = new Promise<void>((resolve) => (published = resolve));
  const off = registry.onChange(() => {
    if (!modelAt) modelAt = performance.now();
  });
  child.send({ cmd: "flip", i });
  await pushed;
  off();
  toModel.push(modelAt - t);
  toPush.push(performance.now() - t);
}
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1]!;
const m = stats(toModel);
const p = stats(toPush);
console.log(`watch event -> model: p50 ${m.p50.toFixed(1)} ms, p99 ${p99(toModel).toFixed(1)} ms; -> xDS snapshot published: p50 ${p.p50.toFixed(1)} ms, p99 ${p99(toPush).toFixed(1)} ms, max ${p.max.toFixed(1)} ms`);

xds.stop();
source.stop();
child.kill();
recordResult("Kubernetes source", [
  `Command: \`node --expose-gc --import tsx bench/kube/run.ts\`. The Kubernetes API test double in a child process holds ${ready.objects.pods} Pods, ${ready.objects.services} Services, ${ready.objects.endpointSlices} EndpointSlices and ${ready.objects.deployments} Deployments in 20 namespaces; each Pod and EndpointSlice is a copy of one a real kube-apiserver 1.32 returned for Bookinfo (transcript 11). The source lists each kind in pages of 500 and watches. Event: one endpoint of a service turns unready (an EndpointSlice MODIFIED), ${N} times in a row; to the model = the registry publishes the new snapshot; to xDS = XdsController has rebuilt and encoded the ADS snapshot (SnapshotPublisher, in process; debounce 0 here: SEXTANT_XDS_DEBOUNCE_MS, 100 ms by default, adds its batching delay). Targets: initial list under 2 s; event to xDS p99 under 100 ms.`,
  "",
  "| measure | result |",
  "|---|---|",
  `| initial list into the model (${snap.services.length} services, ${snap.workloads.length} workloads, ${snap.endpoints.length} endpoints) | ${initialMs.toFixed(0)} ms |`,
  `| heap held by the source's caches and the model after it (after GC) | ${((heapAfter - heapBefore) / 2 ** 20).toFixed(0)} MB |`,
  `| watch event to the model, p50 / p99 | ${m.p50.toFixed(1)} / ${p99(toModel).toFixed(1)} ms |`,
  `| watch event to a published xDS snapshot, p50 / p99 (max) | ${p.p50.toFixed(1)} / ${p99(toPush).toFixed(1)} ms (${p.max.toFixed(1)}) |`,
]);
process.exit(0);
