import * as grpc from "@grpc/grpc-js";
import type { MeshRegistry } from "../mesh/registry";
import { APP_LABEL, type Endpoint, VERSION_LABEL, type Workload, selects } from "../mesh/model";
import { type BookinfoApp, DEMO_NAMESPACE } from "./bookinfo";
import { bookinfoMethods, bookinfoServiceDefinitions } from "./proto";
import type { MeshTelemetry, Peer } from "./telemetry";

/**
 * How a demo workload calls a service: pick one of the service's ready
 * endpoints from the registry in turn (as kube-proxy would), call it over
 * gRPC, and record the call as the source's sidecar would. The caller's
 * identity travels in a header, standing in for Istio's metadata exchange.
 */
export const PEER_HEADER = "x-sextant-peer";
export const CALL_DEADLINE_MS = 2000;

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

export class Outbound {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly turn = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly registry: MeshRegistry,
    private readonly telemetry: MeshTelemetry,
    /** The calling workload; undefined for traffic from outside the mesh. */
    private readonly source: Peer | undefined,
  ) {}

  call<T = Record<string, unknown>>(app: BookinfoApp, request: object): Promise<CallResult<T>> {
    const snapshot = this.registry.snapshot();
    const service = snapshot.services.find((s) => s.namespace === DEMO_NAMESPACE && s.name === app);
    const ready = service ? snapshot.endpoints.filter((e) => e.ready && e.namespace === service.namespace && selects(service.selector, e.labels)) : [];
    if (!service || ready.length === 0 || this.closed) {
      return Promise.resolve({ code: grpc.status.UNAVAILABLE, details: `no healthy upstream for ${app}` });
    }
    const n = this.turn.get(app) ?? 0;
    this.turn.set(app, n + 1);
    const endpoint = ready[n % ready.length]!;
    const workload = snapshot.workloads.find((w) => w.namespace === endpoint.namespace && w.name === endpoint.workload);
    const destination: Peer = workload
      ? peerOf(workload)
      : { workload: endpoint.workload, namespace: endpoint.namespace, app, version: endpoint.labels[VERSION_LABEL] ?? "unknown", serviceAccount: "default" };

    const def = bookinfoServiceDefinitions()[app][bookinfoMethods[app].method]!;
    const client = this.client(endpoint);
    const metadata = new grpc.Metadata();
    if (this.source) metadata.set(PEER_HEADER, `${this.source.namespace}/${this.source.workload}`);
    const requestBytes = def.requestSerialize(request).length;
    const started = performance.now();
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        metadata,
        { deadline: Date.now() + CALL_DEADLINE_MS },
        (err: grpc.ServiceError | null, response?: unknown) => {
          const code = err ? err.code : grpc.status.OK;
          if (this.source) {
            this.telemetry.record({
              reporter: "source",
              source: this.source,
              destination,
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
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(e: Endpoint): grpc.Client {
    const port = e.ports.find((p) => p.name === "grpc")?.port ?? e.ports[0]?.port;
    const target = `${e.address}:${port}`;
    let c = this.clients.get(target);
    if (!c) {
      c = new grpc.Client(target, grpc.credentials.createInsecure());
      this.clients.set(target, c);
    }
    return c;
  }
}
