import { re2Check } from "./intents/re2";
import fs from "node:fs";
import { type Config, ConfigError, loadConfig } from "./config";
import type { XdsTls } from "./xds/server";
import { type DataplaneHandle, startDataplane } from "./dataplane/host";
import type { Reading } from "./dataplane/dataplane";
import { describeError } from "./errors";
import { type Logger, log as rootLog, setLogLevel } from "./log";
import { MemoryRegistry } from "./mesh/registry";
import { DemoTrafficSource } from "./metrics/demo-source";
import { GRAPH_METRICS } from "./metrics/graph/fetch";
import { GraphService } from "./metrics/graph/service";
import { PrometheusClient } from "./metrics/prometheus";
import { PrometheusTrafficSource } from "./metrics/prometheus-source";
import type { TrafficSource } from "./metrics/source";
import { INTENT_KINDS, type IntentDraft, intentDraftSchema } from "./intents/schemas";
import { listIntents } from "./store/intents";
import { XdsController } from "./xds/controller";
import type { InboundPolicy } from "./xds/snapshot";
import { LimiterController, type LimiterResults } from "./limiter/controller";
import { loadControllerState, saveControllerState } from "./store/controller-state";
import { storedLimiters } from "./limiter/service";
import { StoreSupervisor } from "./store/supervisor";
import { crdWarmUpSteps } from "./translate/crd";
import { KubeConnection } from "./kube/connection";
import { AutoApplier } from "./kube/auto-apply";
import { AutoExporter } from "./gitops/auto-export";
import { exportNow } from "./gitops/service";
import type { Desired } from "./kube/apply";
import { generatedObjects } from "./intents/api";
import { autoApplyNamespaces } from "./store/settings";
import { Auth } from "./auth/service";
import type { Leadership } from "./leader/leadership";
import { ChangeFeed } from "./leader/changes";
import { electLeader } from "./leader/elect";
import { withTimeout } from "./timeout";
import { telemetry } from "./telemetry/metrics";
import { OidcClient } from "./auth/oidc";
import { kubeIdentity } from "./auth/kube-login";
import { UnavailableError } from "./errors";
import { parseSecretKey } from "./gitops/secrets";

/**
 * Sextant's long-running parts, started once per process from one place
 * (instrumentation.ts at server start), never from a request. Next.js bundles
 * instrumentation and route handlers separately, so the one instance lives on
 * globalThis where both find it.
 */
export interface Runtime {
  config: Config;
  log: Logger;
  registry: MemoryRegistry;
  store: StoreSupervisor;
  /** The demo mesh (on the data plane's thread): its telemetry, for the graph when there is no Prometheus. */
  demo: { telemetry: { readings(): Promise<Reading[]> }; metricsUrl: string } | undefined;
  /** Where traffic numbers come from: Prometheus, or the demo's own telemetry; undefined if neither. */
  traffic: TrafficSource | undefined;
  graph: GraphService;
  /** The xDS server (on the data plane's thread) and the controller that feeds it. */
  xds: { controller: XdsController; port: number; dataplane: DataplaneHandle } | undefined;
  dataplane: DataplaneHandle;
  /** Auto-export to Git targets that ask for it. */
  gitops: AutoExporter | undefined;
  /** The Kubernetes cluster (when one is configured): its informers feed the registry. */
  kube: KubeConnection | undefined;
  /** SmartLimiters' evaluation: status, generated EnvoyFilters, inbound policies for xDS. */
  limiters: LimiterController;
  /** Who a request comes from (anonymous, sessions, API tokens). */
  auth: Auth;
  /** Whether this replica runs the writers (auto-apply, auto-export). */
  leadership: Leadership;
  startedAt: Date;
  stop(): Promise<void>;
}

/** The demo telemetry is sampled like a Prometheus scrape, and kept for the longest graph window. */
const DEMO_SAMPLE_INTERVAL_MS = 2000;
const DEMO_RETENTION_SECONDS = 3600 + 60;

const KEY = Symbol.for("sextant.runtime");
/** Set when shutdown begins (one flag for every bundle Next.js makes of this module). */
const DRAINING = Symbol.for("sextant.draining");

/** Shutting down: readiness fails and writes are refused, so load balancers and clients move to another replica. */
export function isDraining(): boolean {
  return (globalThis as { [DRAINING]?: boolean })[DRAINING] === true;
}
type Holder = { [KEY]?: Promise<Runtime> };
const holder = globalThis as Holder;

/** Starts the runtime (once); later calls return the same instance. Throws ConfigError on bad configuration. */
export function startRuntime(env: Record<string, string | undefined> = process.env): Promise<Runtime> {
  holder[KEY] ??= boot(env).catch((e: unknown) => {
    delete holder[KEY];
    throw e;
  });
  return holder[KEY];
}

/** The running runtime; starts it if instrumentation has not (e.g. in `next dev` before the hook ran). */
export function getRuntime(): Promise<Runtime> {
  return holder[KEY] ?? startRuntime();
}

/** How long shutdown waits for writes under way (Kubernetes gives a pod 30 s after SIGTERM by default). */
const WRITERS_GRACE_MS = 20_000;

/** The ControllerState key of the limiters' results. */
const LIMITER_RESULTS = "limiter-results";

async function boot(env: Record<string, string | undefined>): Promise<Runtime> {
  // A runtime started again in the same process (tests) is not shutting down.
  (globalThis as { [DRAINING]?: boolean })[DRAINING] = false;
  const config = loadConfig(env);
  setLogLevel(config.logLevel);
  const log = rootLog.child({ component: "runtime" });
  const registry = new MemoryRegistry();
  // The cluster's informers start at once; an unreachable cluster is reported, not fatal.
  const kube = config.kube ? new KubeConnection(config.kube, registry, rootLog.child({ component: "kube" })) : undefined;
  kube?.start();
  // Replicas on one PostgreSQL elect the one that writes; alone (embedded database), this one does.
  const leadership = electLeader(config, rootLog.child({ component: "leader" }));
  leadership.start();
  const store = new StoreSupervisor(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: rootLog.child({ component: "store" }) },
    rootLog.child({ component: "store" }),
  );
  // Database and data plane (xDS server, demo mesh) start side by side; a database that is down does not hold up the console.
  const [, planeResult] = await Promise.allSettled([
    store.start(),
    startDataplane(
      {
        xds: { host: config.xds.host, port: config.xds.port, ...(config.xds.tls ? { tls: readXdsTls(config.xds.tls) } : {}) },
        ...(config.demo.enabled ? { demo: { host: config.demo.host, metricsPort: config.demo.metricsPort, requestsPerSecond: config.demo.requestsPerSecond, ratingsErrorRate: config.demo.ratingsErrorRate, viaXds: config.demo.viaXds } } : {}),
      },
      registry,
      rootLog.child({ component: "dataplane" }),
      config.dataplane,
      config.logLevel,
    ),
  ]);
  if (planeResult.status === "rejected") {
    await store.close().catch(() => undefined);
    await kube?.stop();
    await leadership.stop();
    throw planeResult.reason;
  }
  const dataplane = planeResult.value;
  const running = dataplane.demoRunning ? { telemetry: { readings: () => dataplane.readings() }, metricsUrl: dataplane.metricsUrl } : undefined;
  let demoTraffic: DemoTrafficSource | undefined;
  let traffic: TrafficSource | undefined;
  const prometheus = config.prometheus ? new PrometheusClient({ baseUrl: config.prometheus.url, timeoutMs: config.prometheus.timeoutMs, observe: (s, ok) => telemetry().prometheusQuery(s, ok) }) : undefined;
  if (prometheus) {
    traffic = new PrometheusTrafficSource(prometheus);
  } else if (running) {
    demoTraffic = new DemoTrafficSource({
      collect: () => running.telemetry.readings(),
      metrics: GRAPH_METRICS,
      sampleIntervalMs: DEMO_SAMPLE_INTERVAL_MS,
      retentionSeconds: DEMO_RETENTION_SECONDS,
    });
    demoTraffic.start();
    traffic = demoTraffic;
  }
  const graph = new GraphService({ source: traffic, registry, cacheSeconds: config.graph.cacheSeconds, healthRules: config.graph.healthRules });
  // Limiters feed xDS (inbound rate limits) and xDS is told when they change: the controller
  // is made first, started after xDS.
  const xdsRef: { current: Runtime["xds"] } = { current: undefined };
  const limiters = new LimiterController({
    registry,
    load: async () => {
      try {
        return await storedLimiters(store.get().prisma);
      } catch {
        return undefined;
      }
    },
    inputs: () => ({ traffic, prometheus, handlers: config.limiter.handlers, windowSeconds: config.limiter.windowSeconds }),
    intervalMs: config.limiter.intervalSeconds * 1000,
    rls: config.limiter.rls,
    onPolicies: () => xdsRef.current?.controller.schedule(),
    onEnvoyFilters: () => {
      kube?.autoApply?.trigger();
      gitops.trigger();
    },
    log: rootLog.child({ component: "limiter" }),
    // Replicas on one PostgreSQL: the leader evaluates, the others serve its results (same quotas, same xDS).
    ...(config.databaseUrl
      ? {
          shared: {
            leading: () => leadership.leading,
            save: (r: LimiterResults) => saveControllerState(store.get().prisma, LIMITER_RESULTS, r),
            load: async () => (await loadControllerState(store.get().prisma, LIMITER_RESULTS))?.value as LimiterResults | undefined,
          },
        }
      : {}),
  });
  const xds = await startXds(config, registry, store, rootLog.child({ component: "xds" }), dataplane, () => limiters.policies());
  xdsRef.current = xds;
  dataplane.onRestart = () => xds?.controller.resend();
  await limiters.start();
  // The demo's load starts once xDS serves (its calls go through it).
  if (running) await dataplane.startLoad();
  let stopping: Promise<void> | undefined;
  const gitops = new AutoExporter({
    targets: async () => {
      try {
        return (await store.get().prisma.gitTarget.findMany({ where: { autoExport: true }, select: { id: true }, orderBy: { name: "asc" } })).map((t) => t.id);
      } catch {
        return [];
      }
    },
    exportTo: (id) => exportNow(runtime, id),
    leading: () => leadership.leading,
    log: rootLog.child({ component: "auto-export" }),
  });
  if (kube) {
    kube.autoApply = new AutoApplier({
      client: () => kube.client,
      namespaces: async () => {
        try {
          return await autoApplyNamespaces(store.get().prisma);
        } catch {
          return new Set<string>();
        }
      },
      desired: async () => (await generatedObjects(runtime)).map((o) => o.object as Desired),
      intents: async () => (await listIntents(store.get().prisma, { kind: INTENT_KINDS })).map((r) => ({ id: r.id, namespace: r.namespace, target: r.target, revision: r.revision })),
      log: rootLog.child({ component: "auto-apply" }),
      leading: () => leadership.leading,
    });
  }
  const oidcKey = parseSecretKey(config.gitops.secretKey);
  const auth = new Auth({ mode: config.auth.mode ?? "anonymous", ...(config.auth.oidc ? { oidc: new OidcClient(config.auth.oidc, oidcKey) } : {}), ...(config.auth.kubeTokenLogin && kube ? { kubeLogin: (token: string) => kubeIdentity(clusterClient(kube).asUser(token), registry.snapshot().namespaces) } : {}), db: () => store.get().prisma, adminPassword: config.auth.adminPassword, sessionIdleMs: config.auth.sessionIdleMs, sessionMaxMs: config.auth.sessionMaxMs, log: rootLog.child({ component: "auth" }) });
  await auth.init().catch((e: unknown) => log.warn("could not prepare sign-in (the first admin); retried at the next start", { error: describeError(e) }));
  telemetry().attach({
    proxies: () => (xds?.dataplane.proxies() ?? []).map((p) => ({ client: p.client, nacked: p.types.filter((t) => t.nack).map((t) => t.typeUrl.split(".").pop() ?? t.typeUrl) })),
    informers: () => kube?.status().kinds ?? [],
    limiterCycleMs: () => limiters.lastCycle?.ms,
    leader: () => leadership.leading,
    xdsEvents: () => dataplane.takeXdsEvents(),
  });
  // A change on another replica (PostgreSQL NOTIFY), and every 30 s in case one was missed: this
  // replica's proxies get it, its limiters are evaluated again, and the leader writes it out.
  const onChange = (action: string) => {
    // The leader saved its limiters' results: followers take them (the leader hears its own save too, and ignores it).
    if (action === `state.${LIMITER_RESULTS}`) {
      if (!leadership.leading) void limiters.evaluateNow().catch(() => undefined);
      return;
    }
    xds?.controller.schedule();
    if (action.startsWith("limiter.") || action === "reconnected" || action === "reconcile") void limiters.evaluateNow().catch(() => undefined);
    if (leadership.leading) {
      kube?.autoApply?.trigger();
      gitops.trigger();
    }
  };
  const changes = config.databaseUrl ? new ChangeFeed(config.databaseUrl, onChange, rootLog.child({ component: "changes" })) : undefined;
  changes?.start();
  const reconcile = changes ? setInterval(() => onChange("reconcile"), 30_000) : undefined;
  reconcile?.unref();
  // A replica that becomes the leader writes out what is in force at once.
  leadership.onChange((leading) => leading && onChange("leading"));
  const runtime: Runtime = {
    config,
    auth,
    leadership,
    log,
    registry,
    store,
    demo: running,
    traffic,
    graph,
    xds,
    dataplane,
    kube,
    gitops,
    limiters,
    startedAt: new Date(),
    stop: () =>
      (stopping ??= (async () => {
        (globalThis as { [DRAINING]?: boolean })[DRAINING] = true;
        demoTraffic?.stop();
        if (reconcile) clearInterval(reconcile);
        // The writers finish what they are doing (a commit, an apply, a limiter save) but start nothing
        // new, while xDS streams are told to go away (GOAWAY) so proxies reconnect to another replica.
        const writers = Promise.all([gitops.stop(), kube?.stop(), limiters.stop()]).catch(() => undefined);
        xds?.controller.stop();
        await Promise.all([
          withTimeout(writers, WRITERS_GRACE_MS, "writers to finish").catch(() => log.warn("writes still under way at shutdown were cut off", { waitedMs: WRITERS_GRACE_MS })),
          dataplane.stop().catch((e: unknown) => log.warn("the data plane did not stop cleanly", { error: describeError(e) })),
        ]);
        await changes?.stop();
        await store.close().catch((e: unknown) => log.warn("database did not close cleanly", { error: describeError(e) }));
        // Last: another replica takes over the writers once this one has finished its own.
        await leadership.stop();
      })()),
  };
  // The CRD schemas (Istio's, Slime's SmartLimiter) are parsed and compiled on first use (~1 s here in all),
  // and RE2's WebAssembly module is compiled on first use: do it now, off any request's path, one step per
  // event-loop turn so the demo's traffic and xDS pushes go on.
  const steps = [() => void re2Check(""), ...crdWarmUpSteps([
    { apiVersion: "networking.istio.io/v1", kind: "VirtualService" },
    { apiVersion: "networking.istio.io/v1", kind: "DestinationRule" },
    { apiVersion: "networking.istio.io/v1alpha3", kind: "EnvoyFilter" },
    { apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter" },
  ])];
  const warmNext = () => {
    const step = steps.shift();
    if (!step || stopping) return;
    try {
      step();
    } catch (e) {
      steps.length = 0;
      log.warn("could not prepare the validators (CRD schemas, RE2)", { error: describeError(e) });
      return;
    }
    setTimeout(warmNext, 20).unref();
  };
  setTimeout(warmNext, 500).unref();
  log.info("sextant started", { auth: auth.mode, port: config.port, database: store.kind, demo: config.demo.enabled, kubernetes: kube ? (kube.context ?? "not connected") : "none", metrics: traffic?.description ?? "none" });
  return runtime;
}

/** The controller that feeds the data plane's ADS server; an xDS port that could not be bound is logged (by the data plane), not fatal. */
async function startXds(config: Config, registry: MemoryRegistry, store: StoreSupervisor, log: Logger, dataplane: DataplaneHandle, policies: () => InboundPolicy[]): Promise<Runtime["xds"]> {
  const port = dataplane.xdsPort;
  if (port === undefined) return undefined;
  let parsedIntents = new Map<string, IntentDraft>();
  const controller = new XdsController({
    registry,
    publish: async (input) => {
      const started = performance.now();
      const result = await dataplane.build(input);
      telemetry().snapshotBuilt((performance.now() - started) / 1000, !result.error);
      return result;
    },
    debounceMs: config.xds.debounceMs,
    log,
    policies,
    intents: async () => {
      let db;
      try {
        db = store.get();
      } catch {
        return undefined;
      }
      const rows = await listIntents(db.prisma, { kind: INTENT_KINDS });
      // A revision never changes: each is parsed once and handed over as the same object,
      // which lets the snapshot builder tell unchanged services' intents at a glance.
      const next = new Map<string, IntentDraft>();
      const out = rows.flatMap((r) => {
        const key = `${r.id}:${r.revision}`;
        let draft = parsedIntents.get(key);
        if (!draft) {
          const parsed = intentDraftSchema.safeParse({ kind: r.kind, namespace: r.namespace, target: r.target, spec: r.current.spec });
          if (!parsed.success) return [];
          draft = parsed.data;
        }
        next.set(key, draft);
        return [draft];
      });
      parsedIntents = next;
      return out;
    },
  });
  await controller.start();
  log.info("xDS server listening", { address: `${config.xds.host}:${port}`, thread: dataplane.mode });
  return { controller, port, dataplane };
}

/** The PEM files of the xDS server's mTLS; a file that cannot be read stops start-up naming its variable. */
function readXdsTls(t: NonNullable<Config["xds"]["tls"]>): XdsTls {
  const read = (variable: string, file: string) => {
    try {
      const text = fs.readFileSync(file, "utf8");
      if (!text.includes("-----BEGIN ")) throw new Error("not a PEM file");
      return text;
    } catch (e) {
      throw new ConfigError([{ variable, message: `cannot read it: ${describeError(e)}`, value: file }]);
    }
  };
  return { cert: read("SEXTANT_XDS_TLS_CERT", t.cert), key: read("SEXTANT_XDS_TLS_KEY", t.key), ca: read("SEXTANT_XDS_TLS_CA", t.ca), trustDomain: t.trustDomain };
}

function clusterClient(kube: KubeConnection) {
  if (!kube.client) throw new UnavailableError("the Kubernetes cluster", kube.status().error ?? "not connected yet");
  return kube.client;
}

/** Stops the runtime if one is running (tests and shutdown). */
export async function stopRuntime(): Promise<void> {
  const p = holder[KEY];
  delete holder[KEY];
  if (p) await (await p.catch(() => undefined))?.stop();
}
