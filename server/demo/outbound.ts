import * as grpc from "@grpc/grpc-js";
import type { MeshRegistry } from "../mesh/registry";
import { APP_LABEL, type Endpoint, VERSION_LABEL, type Workload, selects } from "../mesh/model";
import { BOOKINFO_PORT, type BookinfoApp, DEMO_NAMESPACE } from "./bookinfo";
import { bookinfoMethods, bookinfoServiceDefinitions } from "./proto";
import type { MeshTelemetry, Peer } from "./telemetry";

/**
 * How a demo workload calls a service, in one of two ways:
 *  - "registry": pick one of the service's ready endpoints from the registry in
 *    turn, as kube-proxy would (used until Sextant's xDS server is up, and when
 *    it is off);
 *  - "xds": a proxyless gRPC client (xds:///<host>:<port>) configured by
 *    Sextant's own xDS server, so intents (weights, header routes, timeouts)
 *    steer the demo's real traffic.
 * Either way the call is recorded as the source's sidecar would. The caller's
 * identity travels in a request header and the destination's in the response
 * metadata, standing in for Istio's metadata exchange.
 */
export const PEER_HEADER = "x-sextant-peer";
export const WORKLOAD_HEADER = "x-sextant-workload";
export const CALL_DEADLINE_MS = 2000;

export type OutboundMode = "registry" | "xds";

export interface CallResult<T> {
  code: number;
  response?: T;
  details?: string;
}

export function peerOf(w: Workload): Peer {
  return {
    workload: w.name,
    namespace: w.namespace,
    app: w.labels[APP_LABEL] ?? w.name,
    version: w.labels[VERSION_LABEL] ?? "unknown",
    serviceAccount: w.serviceAccount,
  };
}

/** Process-wide: which way outbound calls go (the xDS client is process-wide too). */
const MODE_KEY = Symbol.for("sextant.demo.outboundMode");
export function setOutboundMode(mode: OutboundMode): void {
  (globalThis as Record<symbol, OutboundMode>)[MODE_KEY] = mode;
}
export function outboundMode(): OutboundMode {
  return (globalThis as Record<symbol, OutboundMode | undefined>)[MODE_KEY] ?? "registry";
}

/** Process-wide: where Sextant's xDS server is, once the demo's calls go through it ("host:port"). */
const XDS_SERVER_KEY = Symbol.for("sextant.demo.xdsServer");
export function setDemoXdsServer(uri: string | undefined): void {
  (globalThis as Record<symbol, string | undefined>)[XDS_SERVER_KEY] = uri;
}
const demoXdsServer = () => (globalThis as Record<symbol, string | undefined>)[XDS_SERVER_KEY];

/**
 * gRPC's xDS client is one per process; a channel given its own bootstrap
 * (this channel option, which @grpc/grpc-js-xds reads for exactly that) gets
 * an xDS client of its own. Each demo workload passes its pod's identity
 * this way, so Sextant sees one proxyless client per workload, as it would
 * with one process per pod.
 */
const BOOTSTRAP_OPTION = "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config";
function workloadBootstrap(server: string, pod: string, namespace: string): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: server, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: `sidecar~127.0.0.1~${pod}.${namespace}~${namespace}.svc.cluster.local`, cluster: `${pod}.${namespace}`, locality: {}, metadata: { GENERATOR: "grpc" } },
  });
}

export class Outbound {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly turn = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly registry: MeshRegistry,
    private readonly telemetry: MeshTelemetry,
    /** The calling workload; undefined for traffic from outside the mesh. */
    private readonly source: Peer | undefined,
    /** The calling workload's pod: its identity as an xDS client (outside the mesh: the process's shared client). */
    private readonly pod?: string,
  ) {}

  call<T = Record<string, unknown>>(app: BookinfoApp, request: object): Promise<CallResult<T>> {
    const snapshot = this.registry.snapshot();
    const service = snapshot.services.find((s) => s.namespace === DEMO_NAMESPACE && s.name === app);
    if (!service || this.closed) return Promise.resolve({ code: grpc.status.UNAVAILABLE, details: `no healthy upstream for ${app}` });
    let client: grpc.Client;
    let picked: Peer | undefined;
    if (outboundMode() === "xds") {
      client = this.cached(`xds:///${service.hostname}:${BOOKINFO_PORT}`);
    } else {
      const ready = snapshot.endpoints.filter((e) => e.ready && e.namespace === service.namespace && selects(service.selector, e.labels));
      if (ready.length === 0) return Promise.resolve({ code: grpc.status.UNAVAILABLE, details: `no healthy upstream for ${app}` });
      const n = this.turn.get(app) ?? 0;
      this.turn.set(app, n + 1);
      const endpoint = ready[n % ready.length]!;
      picked = this.peerOfWorkload(endpoint.namespace, endpoint.workload, app, endpoint);
      client = this.cached(address(endpoint));
    }

    const def = bookinfoServiceDefinitions()[app][bookinfoMethods[app].method]!;
    const metadata = new grpc.Metadata();
    if (this.source) metadata.set(PEER_HEADER, `${this.source.namespace}/${this.source.workload}`);
    const requestBytes = def.requestSerialize(request).length;
    const started = performance.now();
    return new Promise((resolve) => {
      let answeredBy: string | undefined;
      const call = client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        metadata,
        { deadline: Date.now() + CALL_DEADLINE_MS },
        (err: grpc.ServiceError | null, response?: unknown) => {
          const code = err ? err.code : grpc.status.OK;
          answeredBy ??= err?.metadata?.get(WORKLOAD_HEADER)[0]?.toString();
          const destination = picked ?? (answeredBy ? this.peerOfWorkload(DEMO_NAMESPACE, answeredBy, app) : undefined);
          if (this.source) {
            this.telemetry.record({
              reporter: "source",
              source: this.source,
              // A call that reached no pod has no destination workload (Istio reports "unknown").
              destination: destination ?? { workload: "unknown", namespace: "unknown", app: "unknown", version: "unknown", serviceAccount: "unknown" },
              service: { hostname: service.hostname, name: service.name, namespace: service.namespace },
              grpcCode: code,
              durationMs: performance.now() - started,
              requestBytes,
              responseBytes: response ? def.responseSerialize(response).length : 0,
            });
          }
          resolve({ code, response: response as T | undefined, details: err?.details });
        },
      );
      call.on("metadata", (md: grpc.Metadata) => (answeredBy = md.get(WORKLOAD_HEADER)[0]?.toString()));
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private peerOfWorkload(namespace: string, name: string, app: string, endpoint?: Endpoint): Peer {
    const w = this.registry.snapshot().workloads.find((x) => x.namespace === namespace && x.name === name);
    return w ? peerOf(w) : { workload: name, namespace, app, version: endpoint?.labels[VERSION_LABEL] ?? "unknown", serviceAccount: "default" };
  }

  private cached(target: string): grpc.Client {
    let c = this.clients.get(target);
    if (!c) {
      const server = demoXdsServer();
      const own = target.startsWith("xds:") && server && this.pod && this.source ? { [BOOTSTRAP_OPTION]: workloadBootstrap(server, this.pod, this.source.namespace) } : {};
      c = new grpc.Client(target, grpc.credentials.createInsecure(), own);
      this.clients.set(target, c);
    }
    return c;
  }
}

function address(e: Endpoint): string {
  const port = e.ports.find((p) => p.name === "grpc")?.port ?? e.ports[0]?.port;
  return `${e.address}:${port}`;
}
