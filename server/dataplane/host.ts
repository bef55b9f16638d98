import path from "node:path";
import { Worker } from "node:worker_threads";
import type { LogLevel, Logger } from "../log";
import type { MeshSnapshot } from "../mesh/model";
import type { MemoryRegistry, RegistrySourceStatus } from "../mesh/registry";
import type { ClientKind } from "../xds/clients";
import type { ProxyConnection } from "../xds/server";
import type { TypeUrl } from "../xds/snapshot";
import { type BuildInput, type BuildResult, Dataplane, type DataplaneOptions, type Reading } from "./dataplane";
import type { FromWorker, ToWorker } from "./messages";

/**
 * The console's handle on the data plane (dataplane.ts), wherever it runs:
 * on its own thread (the default: the xDS server and the demo keep their
 * event loop free of API work) or inline on the console's thread.
 */
export interface DataplaneHandle {
  readonly mode: "worker" | "inline";
  readonly xdsPort: number | undefined;
  readonly metricsUrl: string;
  readonly demoRunning: boolean;
  build(input: BuildInput): Promise<BuildResult>;
  /** Connected proxies as last reported (a worker reports changes within 50 ms). */
  proxies(): ProxyConnection[];
  config(streamId: number, type: TypeUrl): Promise<unknown[] | undefined>;
  view(type: TypeUrl, proxy: string | undefined, client: ClientKind): Promise<{ name: string; value: Uint8Array }[]>;
  readings(): Promise<Reading[]>;
  startLoad(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDataplane(opts: DataplaneOptions, registry: MemoryRegistry, log: Logger, mode: "worker" | "inline", logLevel: LogLevel): Promise<DataplaneHandle> {
  return mode === "inline" ? startInline(opts, registry, log) : startWorker(opts, registry, log, logLevel);
}

async function startInline(opts: DataplaneOptions, registry: MemoryRegistry, log: Logger): Promise<DataplaneHandle> {
  const d = new Dataplane(opts, registry, log);
  await d.start();
  return {
    mode: "inline",
    xdsPort: d.xdsPort,
    metricsUrl: d.metricsUrl,
    demoRunning: d.demoRunning,
    build: async (input) => d.build(input),
    proxies: () => d.proxies(),
    config: async (id, type) => d.config(id, type),
    view: async (type, proxy, client) => d.view(type, proxy, client),
    readings: () => d.readings(),
    startLoad: () => d.startLoad(),
    stop: () => d.stop(),
  };
}

/**
 * The worker runs the TypeScript sources through tsx (the same sources the
 * console is built from; a bundler-independent entry, so `next start`, tests
 * and benchmarks start it the same way): worker-entry.mjs registers tsx's
 * loader on the new thread, then imports worker.ts.
 */
export function workerEntry(): string {
  return process.env.SEXTANT_DATAPLANE_ENTRY ?? path.join(process.cwd(), "server", "dataplane", "worker-entry.mjs");
}

async function startWorker(opts: DataplaneOptions, registry: MemoryRegistry, log: Logger, logLevel: LogLevel): Promise<DataplaneHandle> {
  const entry = workerEntry();
  // Constructed through Reflect so the bundler does not take the entry for a module to bundle:
  // the worker runs the sources (see workerEntry).
  const worker: Worker = Reflect.construct(Worker, [entry]);
  worker.unref();
  let proxies: ProxyConnection[] = [];
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let mirrored: MeshSnapshot | undefined;
  let exited: Error | undefined;
  const started = new Promise<Extract<FromWorker, { t: "started" }>>((resolve, reject) => {
    worker.on("message", (m: FromWorker) => {
      if (m.t === "started") resolve(m);
      else if (m.t === "res") {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(m.error));
      } else if (m.t === "registry") {
        mirror(registry, mirrored, m.snapshot, m.sources);
        mirrored = m.snapshot;
      } else proxies = m.proxies;
    });
    worker.on("error", (e) => {
      log.error("the data plane thread failed", { error: e.message });
      reject(e);
    });
    worker.on("exit", (code) => {
      exited = new Error(`the data plane thread exited (code ${code})`);
      for (const p of pending.values()) p.reject(exited);
      pending.clear();
      proxies = [];
      reject(exited);
    });
  });
  const post = (m: ToWorker) => worker.postMessage(m);
  post({ t: "start", opts, logLevel });
  const info = await started;
  const request = <T>(op: Extract<ToWorker, { t: "req" }>["op"], ...args: unknown[]): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      post({ t: "req", id, op, args });
    });
  };
  return {
    mode: "worker",
    xdsPort: info.xdsPort,
    metricsUrl: info.metricsUrl,
    demoRunning: info.demoRunning,
    build: (input) => request<BuildResult>("build", input),
    proxies: () => proxies,
    config: (id, type) => request("config", id, type),
    view: (type, proxy, client) => request("view", type, proxy, client),
    readings: () => request("readings"),
    startLoad: () => request("startLoad"),
    stop: async () => {
      if (!exited) await request("stop").catch(() => undefined);
      await worker.terminate();
    },
  };
}

/** Makes the console's registry hold what the data plane's holds (its demo source), in one batch. */
function mirror(registry: MemoryRegistry, before: MeshSnapshot | undefined, now: MeshSnapshot, sources: RegistrySourceStatus[]): void {
  const key = (x: { namespace: string; name?: string; pod?: string }) => `${x.namespace}/${x.name ?? x.pod}`;
  registry.update((w) => {
    const keep = { s: new Set(now.services.map(key)), w: new Set(now.workloads.map(key)), e: new Set(now.endpoints.map(key)) };
    for (const s of before?.services ?? []) if (!keep.s.has(key(s))) w.removeService(s.namespace, s.name);
    for (const x of before?.workloads ?? []) if (!keep.w.has(key(x))) w.removeWorkload(x.namespace, x.name);
    for (const e of before?.endpoints ?? []) if (!keep.e.has(key(e))) w.removeEndpoint(e.namespace, e.pod);
    now.services.forEach((s) => w.upsertService(s));
    now.workloads.forEach((x) => w.upsertWorkload(x));
    now.endpoints.forEach((e) => w.upsertEndpoint(e));
  });
  for (const s of sources) registry.setSourceState(s);
}
