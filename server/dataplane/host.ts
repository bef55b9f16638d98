import { type XdsEvents, mergeEvents } from "../xds/events";
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
  /** The xDS server's pushes, NACKs and push-to-ACK times since the last take (for /metrics). */
  takeXdsEvents(): XdsEvents;
  config(streamId: number, type: TypeUrl): Promise<unknown[] | undefined>;
  view(type: TypeUrl, proxy: string | undefined, client: ClientKind): Promise<{ name: string; value: Uint8Array }[]>;
  readings(): Promise<Reading[]>;
  startLoad(): Promise<void>;
  stop(): Promise<void>;
  /** Called after the data plane was started again (a worker that died): everything must be sent anew. */
  onRestart?: () => void;
  /** Starts the data plane afresh (a worker thread is ended and started again). */
  restart?(): Promise<void>;
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
    takeXdsEvents: () => d.takeXdsEvents(),
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
  const d = new WorkerDataplane(opts, registry, log, logLevel);
  await d.spawn();
  return d;
}

type Started = Extract<FromWorker, { t: "started" }>;

/**
 * The data plane on a worker thread, supervised: a thread that dies (a bug,
 * a client library throwing where nothing catches it) is started again with
 * backoff, its pods re-published, the last build inputs sent again
 * (onRestart), and the demo's load restarted; the console stays up.
 */
class WorkerDataplane implements DataplaneHandle {
  readonly mode = "worker" as const;
  xdsPort: number | undefined;
  metricsUrl = "";
  demoRunning = false;
  /** Called after the thread was started again, so its owner sends everything anew. */
  onRestart: (() => void) | undefined;
  restarts = 0;
  private worker: Worker | undefined;
  private proxiesNow: ProxyConnection[] = [];
  /** Reported by the thread, kept until /metrics takes them. */
  private xdsEvents: XdsEvents = { pushes: {}, nacks: {}, acks: [], dropped: 0 };
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private mirrored: MeshSnapshot | undefined;
  private sources: string[] = [];
  private stopping = false;
  private loadStarted = false;
  private backoffMs = 500;

  constructor(
    private readonly opts: DataplaneOptions,
    private readonly registry: MemoryRegistry,
    private readonly log: Logger,
    private readonly logLevel: LogLevel,
  ) {}

  async spawn(): Promise<void> {
    const entry = workerEntry();
    // Constructed through Reflect so the bundler does not take the entry for a module to bundle:
    // the worker runs the sources (see workerEntry).
    const worker: Worker = Reflect.construct(Worker, [entry]);
    worker.unref();
    this.worker = worker;
    const started = new Promise<Started>((resolve, reject) => {
      worker.on("message", (m: FromWorker) => {
        if (m.t === "started") resolve(m);
        else if (m.t === "res") {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.ok) p?.resolve(m.value);
          else p?.reject(new Error(m.error));
        } else if (m.t === "registry") {
          mirror(this.registry, this.mirrored, m.snapshot, m.sources);
          this.mirrored = m.snapshot;
          this.sources = m.sources.map((x) => x.name);
        } else {
          this.proxiesNow = m.proxies;
          this.xdsEvents = mergeEvents(this.xdsEvents, m.events);
        }
      });
      worker.on("error", (e) => this.log.error("the data plane thread failed", { error: e.message }));
      worker.on("exit", (code) => {
        const gone = new Error(`the data plane thread exited (code ${code})`);
        reject(gone);
        if (this.worker !== worker) return;
        this.worker = undefined;
        for (const p of this.pending.values()) p.reject(gone);
        this.pending.clear();
        this.proxiesNow = [];
        if (!this.stopping) {
          // Health says so while it is started again.
          for (const name of this.sources) this.registry.setSourceState({ name, state: "failed", error: `the data plane thread stopped (code ${code}); starting it again` });
          this.scheduleRestart();
        }
      });
    });
    worker.postMessage({ t: "start", opts: this.opts, logLevel: this.logLevel } satisfies ToWorker);
    const info = await started;
    this.xdsPort = info.xdsPort;
    this.metricsUrl = info.metricsUrl;
    this.demoRunning = info.demoRunning;
  }

  private scheduleRestart(): void {
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    this.log.error("the data plane thread stopped; starting it again", { inMs: wait });
    setTimeout(() => void this.restartNow(), wait).unref();
  }

  private async restartNow(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.spawn();
      this.restarts++;
      if (this.loadStarted) await this.request("startLoad");
      this.backoffMs = 500;
      this.log.info("the data plane thread is running again", { restarts: this.restarts });
      this.onRestart?.();
    } catch (e) {
      this.log.error("the data plane thread could not start", { error: e instanceof Error ? e.message : String(e) });
      if (!this.worker && !this.stopping) this.scheduleRestart();
    }
  }

  /** Ends the thread as a crash would (the supervisor starts it again); for operators and tests. */
  async restart(): Promise<void> {
    await this.end(1);
  }

  /**
   * Ends the thread once it has closed its sockets. Never worker.terminate() first: terminating a
   * thread while HTTP/2 reads on one of its streams aborts the whole process (nodejs/node#38418,
   * seen here as "Assertion failed: onread->IsFunction()"); it is only the last resort for a
   * thread that did not end within 15 s.
   */
  private async end(code: number): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ t: "exit", code } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), 15_000)));
    if ((await Promise.race([exited, late])) === "late") {
      this.log.warn("the data plane thread did not end within 15 s; terminating it");
      await worker.terminate();
    }
    clearTimeout(timer);
  }

  private request<T>(op: Extract<ToWorker, { t: "req" }>["op"], ...args: unknown[]): Promise<T> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error("the data plane thread is not running (it is being started again)"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ t: "req", id, op, args } satisfies ToWorker);
    });
  }

  build(input: BuildInput): Promise<BuildResult> {
    return this.request("build", input);
  }
  proxies(): ProxyConnection[] {
    return this.proxiesNow;
  }
  takeXdsEvents(): XdsEvents {
    const out = this.xdsEvents;
    this.xdsEvents = { pushes: {}, nacks: {}, acks: [], dropped: 0 };
    return out;
  }
  config(streamId: number, type: TypeUrl): Promise<unknown[] | undefined> {
    return this.request("config", streamId, type);
  }
  view(type: TypeUrl, proxy: string | undefined, client: ClientKind): Promise<{ name: string; value: Uint8Array }[]> {
    return this.request("view", type, proxy, client);
  }
  readings(): Promise<Reading[]> {
    return this.request("readings");
  }
  async startLoad(): Promise<void> {
    this.loadStarted = true;
    await this.request("startLoad");
  }
  async stop(): Promise<void> {
    this.stopping = true;
    await this.end(0);
  }
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
