import type { XdsEvents } from "../xds/events";
import { decodeResource } from "../xds/dump";
import { DemoMesh } from "../demo/mesh";
import { setDemoXdsServer, setOutboundMode } from "../demo/outbound";
import { describeError } from "../errors";
import type { Logger } from "../log";
import { MemoryRegistry } from "../mesh/registry";
import { AdsServer, type ProxyConnection, type XdsTls } from "../xds/server";
import { type BuildInput, type BuildResult, SnapshotPublisher } from "../xds/publisher";
import { type Snapshot, type TypeUrl, resourcesFor } from "../xds/snapshot";
import type { ClientKind } from "../xds/clients";

/**
 * The data plane side of Sextant: the xDS server (and the snapshots it
 * serves) and the built-in demo mesh (its gRPC workloads, their xDS client,
 * telemetry and load). It runs on its own thread (server/dataplane/worker.ts)
 * so that API load on the console's thread neither delays pushes to proxies
 * nor slows the demo's traffic; `SEXTANT_DATAPLANE=inline` runs it on the
 * console's thread instead. Either way the console talks to it through
 * DataplaneHandle (host.ts): it sends what to build (mesh, intents, rate
 * limits) and reads proxy status, config dumps and demo telemetry.
 */
export interface DataplaneOptions {
  xds?: { host: string; port: number; tls?: XdsTls };
  demo?: { host: string; metricsPort: number; requestsPerSecond: number; ratingsErrorRate: number; viaXds: boolean };
}

export type { BuildInput, BuildResult };
export type Reading = { name: string; labels: Record<string, string | number>; value: number };

export class Dataplane {
  private ads: AdsServer | undefined;
  private readonly publisher = new SnapshotPublisher((s) => this.ads?.setSnapshot(s));
  private demo: DemoMesh | undefined;
  xdsPort: number | undefined;
  demoError: string | undefined;
  metricsUrl = "";

  constructor(
    private readonly opts: DataplaneOptions,
    /** Where the demo publishes its pods: the console's registry inline, a local one on a worker (mirrored). */
    readonly registry: MemoryRegistry,
    private readonly log: Logger,
    private readonly onProxiesChanged: () => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    const demo = this.opts.demo
      ? new DemoMesh({ registry: this.registry, log: this.log.child({ component: "demo" }), host: this.opts.demo.host, metricsPort: this.opts.demo.metricsPort, requestsPerSecond: this.opts.demo.requestsPerSecond, ratingsErrorRate: this.opts.demo.ratingsErrorRate, deferLoad: true })
      : undefined;
    const [demoResult] = await Promise.allSettled([demo?.start(), this.startXds()]);
    if (demoResult.status === "rejected") {
      this.demoError = describeError(demoResult.reason);
      this.log.error("the demo mesh failed to start", { error: this.demoError });
    } else if (demo) {
      this.demo = demo;
      this.metricsUrl = demo.metricsUrl;
      // Each workload's sidecar takes its inbound listener (and the rate limits on it) from this xDS server.
      // (Not under mTLS: the demo's sidecars have no certificates.)
      if (this.xdsPort !== undefined && !this.opts.xds?.tls) demo.connectSidecars({ host: this.opts.xds!.host === "0.0.0.0" || this.opts.xds!.host === "::" ? "127.0.0.1" : this.opts.xds!.host, port: this.xdsPort });
    }
  }

  private async startXds(): Promise<void> {
    if (!this.opts.xds) return;
    const ads = new AdsServer(this.log.child({ component: "xds" }), this.onProxiesChanged);
    try {
      this.xdsPort = await ads.listen(this.opts.xds.host, this.opts.xds.port, this.opts.xds.tls);
      this.ads = ads;
    } catch (e) {
      this.log.error("the xDS server could not start", { host: this.opts.xds.host, port: this.opts.xds.port, error: describeError(e) });
    }
  }

  get demoRunning(): boolean {
    return this.demo !== undefined;
  }

  /** Builds and publishes a snapshot; a failed build keeps the last good one served. */
  build(input: BuildInput): BuildResult {
    return this.publisher.build(input);
  }

  proxies(): ProxyConnection[] {
    return this.ads?.proxies() ?? [];
  }

  /** The xDS server's pushes, NACKs and ACK times since the last take. */
  takeXdsEvents(): XdsEvents {
    return this.ads?.events.take() ?? { pushes: {}, nacks: {}, acks: [], dropped: 0 };
  }

  /** The resources one stream was last sent, decoded to JSON (istioctl proxy-config); undefined for an unknown stream. */
  config(streamId: number, type: TypeUrl): unknown[] | undefined {
    const sent = this.ads?.sentTo(streamId);
    if (!sent) return undefined;
    // Every nested Any decoded too (the listener's HttpConnectionManager, filters' configs).
    return (sent.get(type) ?? []).map((r) => decodeResource(type, r.any.value));
  }

  /** What a proxy (its pod key and kind) would be served now, encoded: for tests and diagnostics. */
  view(type: TypeUrl, proxy: string | undefined, client: ClientKind): { name: string; value: Uint8Array }[] {
    const snap: Snapshot | undefined = this.ads?.current();
    if (!snap) return [];
    return [...resourcesFor(snap, type, proxy, client).all.values()].map((r) => ({ name: r.name, value: r.any.value }));
  }

  async readings(): Promise<Reading[]> {
    return this.demo ? this.demo.telemetry.readings() : [];
  }

  /** Starts the demo's load, its calls routed through the xDS server when configured. */
  async startLoad(): Promise<void> {
    if (!this.demo) return;
    if (this.opts.demo?.viaXds && this.xdsPort !== undefined) await routeDemoThroughXds(this.opts.xds!.host, this.xdsPort, this.log);
    this.demo.loadGenerator.start();
  }

  async stop(): Promise<void> {
    // Stop the demo's load before the xDS server goes, so its clients do not see it vanish.
    await this.demo?.loadGenerator.stop().catch(() => undefined);
    setOutboundMode("registry");
    setDemoXdsServer(undefined);
    await this.ads?.close().catch(() => undefined);
    await this.demo?.stop().catch((e: unknown) => this.log.warn("demo mesh did not stop cleanly", { error: describeError(e) }));
  }
}

/**
 * The demo's workloads become proxyless gRPC clients of Sextant's own xDS
 * server: the gRPC xDS client (one per thread) is pointed at it and the
 * demo's outbound calls switch to xds:/// targets. A bootstrap the operator
 * set is respected: then the demo keeps calling pods directly.
 */
async function routeDemoThroughXds(xdsHost: string, port: number, log: Logger): Promise<void> {
  const g = globalThis as { [XDS_CLIENT]?: boolean };
  if (!g[XDS_CLIENT]) {
    if (process.env.GRPC_XDS_BOOTSTRAP || process.env.GRPC_XDS_BOOTSTRAP_CONFIG) {
      log.warn("GRPC_XDS_BOOTSTRAP is set for this process; the demo mesh calls its pods directly instead of through Sextant's xDS server");
      return;
    }
    const host = xdsHost === "0.0.0.0" || xdsHost === "::" ? "127.0.0.1" : xdsHost;
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [{ server_uri: `${host}:${port}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
      node: { id: "sidecar~127.0.0.1~sextant-demo.default~default.svc.cluster.local", cluster: "sextant-demo", locality: {} },
    });
    (await import("@grpc/grpc-js-xds")).register();
    g[XDS_CLIENT] = true;
  }
  // Each workload's calls get an xDS client of their own, named as its pod (server/demo/outbound.ts).
  setDemoXdsServer(`${xdsHost === "0.0.0.0" || xdsHost === "::" ? "127.0.0.1" : xdsHost}:${port}`);
  setOutboundMode("xds");
  log.info("demo mesh calls go through Sextant's xDS server", { xds: `${xdsHost}:${port}` });
}
const XDS_CLIENT = Symbol.for("sextant.xdsClientRegistered");
