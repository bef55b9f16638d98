import { createHash } from "node:crypto";
import { describeError } from "../errors";
import type { Logger } from "../log";
import { APP_LABEL, type Endpoint, type Service, VERSION_LABEL, type Workload, serviceHostname } from "../mesh/model";
import type { MemoryRegistry } from "../mesh/registry";
import { DEMO_NAMESPACE, bookinfoServices, bookinfoWorkloads, serviceAccountName, workloadName } from "./bookinfo";
import { LoadGenerator } from "./loadgen";
import { MetricsServer } from "./metrics-server";
import { Outbound, peerOf } from "./outbound";
import { MeshTelemetry } from "./telemetry";
import { DemoWorkload } from "./workload";

/**
 * The built-in demo mesh: Bookinfo's six workloads as gRPC servers on
 * loopback, published into the registry as a Kubernetes source would publish
 * pods, with a load generator and Istio-standard telemetry on /metrics.
 */
export const DEMO_SOURCE = "demo";

export interface DemoMeshOptions {
  registry: MemoryRegistry;
  log: Logger;
  host: string;
  metricsPort: number;
  requestsPerSecond: number;
  ratingsErrorRate: number;
  random?: () => number;
  /** Do not start the load generator in start(); the runtime starts it once xDS is ready. */
  deferLoad?: boolean;
}

export class DemoMesh {
  readonly telemetry = new MeshTelemetry();
  private workloads: DemoWorkload[] = [];
  private metrics: MetricsServer | undefined;
  private loadOutbound: Outbound | undefined;
  private load: LoadGenerator | undefined;
  metricsUrl = "";

  constructor(private readonly opts: DemoMeshOptions) {}

  async start(): Promise<void> {
    const { registry, log } = this.opts;
    registry.setSourceState({ name: DEMO_SOURCE, state: "starting" });
    try {
      const random = this.opts.random ?? Math.random;
      const dialHost = this.opts.host === "0.0.0.0" || this.opts.host === "::" ? "127.0.0.1" : this.opts.host;
      const services = bookinfoServices.map((s): Service => ({
        namespace: DEMO_NAMESPACE,
        name: s.app,
        hostname: serviceHostname(s.app, DEMO_NAMESPACE),
        labels: { [APP_LABEL]: s.app, service: s.app },
        selector: { [APP_LABEL]: s.app },
        ports: [{ name: "grpc", port: s.port, protocol: s.protocol, targetPortName: "grpc" }],
      }));
      const workloads = bookinfoWorkloads.map((d): Workload => ({
        namespace: DEMO_NAMESPACE,
        name: workloadName(d),
        kind: "Deployment",
        labels: { [APP_LABEL]: d.app, [VERSION_LABEL]: d.version },
        serviceAccount: serviceAccountName(d.app),
      }));
      // Services and workloads first, so callers can resolve peers as soon as endpoints appear.
      registry.update((w) => {
        services.forEach((s) => w.upsertService(s));
        workloads.forEach((x) => w.upsertWorkload(x));
      });

      this.workloads = bookinfoWorkloads.map(
        (def, i) =>
          new DemoWorkload({
            def,
            self: peerOf(workloads[i]!),
            host: this.opts.host,
            registry,
            telemetry: this.telemetry,
            pod: podName(workloads[i]!.name),
            errorRate: def.app === "ratings" ? this.opts.ratingsErrorRate : 0,
            random,
          }),
      );
      await Promise.all(this.workloads.map((w) => w.start()));
      registry.update((w) =>
        this.workloads.forEach((wl, i) => {
          const workload = workloads[i]!;
          const endpoint: Endpoint = {
            namespace: DEMO_NAMESPACE,
            pod: podName(workload.name),
            workload: workload.name,
            address: dialHost,
            ports: [{ name: "grpc", port: wl.port }],
            labels: { ...workload.labels, "pod-template-hash": podHash(workload.name) },
            ready: true,
          };
          w.upsertEndpoint(endpoint);
        }),
      );

      this.metrics = new MetricsServer(this.telemetry);
      const addr = await this.metrics.listen(this.opts.host, this.opts.metricsPort);
      this.metricsUrl = `http://${dialHost}:${addr.port}/metrics`;

      this.loadOutbound = new Outbound(registry, this.telemetry, undefined);
      this.load = new LoadGenerator(this.loadOutbound, this.opts.requestsPerSecond);
      if (!this.opts.deferLoad) this.load.start();
      registry.setSourceState({ name: DEMO_SOURCE, state: "synced", lastChange: new Date().toISOString() });
      log.info("demo mesh started", {
        workloads: this.workloads.map((w) => `${w.name}@${dialHost}:${w.port}`),
        metrics: this.metricsUrl,
        requestsPerSecond: this.opts.requestsPerSecond,
      });
    } catch (e) {
      registry.setSourceState({ name: DEMO_SOURCE, state: "failed", error: describeError(e) });
      await this.stop();
      throw e;
    }
  }

  /** Connects every workload's sidecar (its inbound side: rate limits) to Sextant's xDS server. */
  connectSidecars(xds: { host: string; port: number }): void {
    const ip = this.opts.host === "0.0.0.0" || this.opts.host === "::" ? "127.0.0.1" : this.opts.host;
    for (const w of this.workloads) w.connectSidecar(xds, podName(w.name), ip, this.opts.log);
  }

  get loadGenerator(): LoadGenerator {
    if (!this.load) throw new Error("the demo mesh is not running");
    return this.load;
  }

  workloadPorts(): Record<string, number> {
    return Object.fromEntries(this.workloads.map((w) => [w.name, w.port]));
  }

  async stop(): Promise<void> {
    await this.load?.stop();
    this.loadOutbound?.close();
    await Promise.all(this.workloads.map((w) => w.stop()));
    await this.metrics?.close();
    const pods = this.workloads.map((w) => podName(w.name));
    this.workloads = [];
    this.opts.registry.update((w) => pods.forEach((p) => w.removeEndpoint(DEMO_NAMESPACE, p)));
    this.opts.registry.setSourceState({ name: DEMO_SOURCE, state: "stopped" });
  }
}

/** Stable, Kubernetes-looking pod names (e.g. reviews-v2-6c5bf6b8d4-x7k2p), the same on every start. */
function podHash(workload: string): string {
  return createHash("sha256").update(workload).digest("hex").slice(0, 10).replace(/[0-9]/g, (d) => "bcdfghjklm"[Number(d)]!);
}
function podName(workload: string): string {
  const suffix = createHash("sha256").update(`pod/${workload}`).digest("hex").slice(0, 5).replace(/[0-9]/g, (d) => "bcdfghjklm"[Number(d)]!);
  return `${workload}-${podHash(workload)}-${suffix}`;
}
