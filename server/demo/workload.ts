import * as grpc from "@grpc/grpc-js";
import type { MeshRegistry } from "../mesh/registry";
import { type BookinfoApp, type DemoWorkloadDef, workloadName } from "./bookinfo";
import { type CallResult, Outbound, PEER_HEADER, WORKLOAD_HEADER, peerOf } from "./outbound";
import type { Logger } from "../log";
import { InboundAgent } from "./inbound-agent";
import { bookinfoMethods, bookinfoServiceDefinitions } from "./proto";
import type { MeshTelemetry, Peer } from "./telemetry";

/**
 * One Bookinfo workload as a real gRPC server on loopback. It does a little
 * simulated work, calls the services Bookinfo's version of it calls, and
 * records each request it serves as the destination's sidecar would.
 */
export interface WorkloadOptions {
  def: DemoWorkloadDef;
  self: Peer;
  host: string;
  registry: MeshRegistry;
  telemetry: MeshTelemetry;
  /** Its pod's name: its identity as an xDS client. */
  pod?: string;
  /** Fraction of requests this workload fails with UNAVAILABLE (the demo makes ratings flaky). */
  errorRate: number;
  random: () => number;
}

export class DemoWorkload {
  readonly name: string;
  private server: grpc.Server | undefined;
  private readonly outbound: Outbound;
  /** Its sidecar's inbound side (rate limits), once connected to the xDS server. */
  agent: InboundAgent | undefined;
  port = 0;

  constructor(private readonly opts: WorkloadOptions) {
    this.name = workloadName(opts.def);
    this.outbound = new Outbound(opts.registry, opts.telemetry, opts.self, opts.pod);
  }

  async start(): Promise<number> {
    const app = this.opts.def.app;
    const defs = bookinfoServiceDefinitions();
    const method = bookinfoMethods[app].method;
    const server = new grpc.Server();
    server.addService(defs[app], { [method]: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => this.serve(call, cb) });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.opts.host}:0`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.server = server;
    return this.port;
  }

  /** Connects this workload's sidecar (inbound side) to the xDS server as its pod. */
  connectSidecar(xds: { host: string; port: number }, pod: string, ip: string, log: Logger): void {
    this.agent?.stop();
    this.agent = new InboundAgent({ xds, pod, namespace: this.opts.self.namespace, ip, port: this.port, log });
    this.agent.start();
  }

  async stop(): Promise<void> {
    this.agent?.stop();
    this.outbound.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private async serve(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>): Promise<void> {
    const started = performance.now();
    const { def, self, registry, telemetry } = this.opts;
    // Who answers, for the caller's telemetry (proxyless clients do not know which pod they reached).
    const identity = new grpc.Metadata();
    identity.set(WORKLOAD_HEADER, self.workload);
    call.sendMetadata(identity);
    const source = this.sourceOf(call.metadata);
    const method = bookinfoServiceDefinitions()[def.app][bookinfoMethods[def.app].method]!;
    const request = call.request as { productId?: number };
    let code: number = grpc.status.OK;
    let response: object | undefined;
    let details = "";
    let flags = "-";
    // The sidecar's local rate limit first, as Envoy's filter runs before the app sees the call.
    const limit = this.agent?.limit?.check({ headers: headersOf(call.metadata), remoteAddress: call.getPeer().replace(/:\d+$/, "") }, Date.now());
    if (limit && !limit.allowed) {
      code = grpc.status.RESOURCE_EXHAUSTED;
      details = "local_rate_limited";
      flags = "RL";
    } else try {
      const [lo, hi] = def.latencyMs;
      await sleep(lo + this.opts.random() * (hi - lo));
      if (this.opts.errorRate > 0 && this.opts.random() < this.opts.errorRate) {
        code = grpc.status.UNAVAILABLE;
        details = `${this.name} is overloaded (demo fault)`;
      } else {
        response = await this.respond(def.app, request.productId ?? 0);
      }
    } catch (e) {
      code = grpc.status.INTERNAL;
      details = e instanceof Error ? e.message : String(e);
    }
    const service = registry.snapshot().services.find((s) => s.namespace === self.namespace && s.name === def.app);
    telemetry.record({
      reporter: "destination",
      source,
      destination: self,
      service: { hostname: service?.hostname ?? `${def.app}.${self.namespace}.svc.cluster.local`, name: def.app, namespace: self.namespace },
      grpcCode: code,
      responseFlags: flags,
      durationMs: performance.now() - started,
      requestBytes: method.requestSerialize(call.request).length,
      responseBytes: response ? method.responseSerialize(response).length : 0,
    });
    if (code === grpc.status.OK) cb(null, response);
    else cb({ code, details, name: "DemoError", message: details, metadata: identity } as grpc.ServiceError);
  }

  private sourceOf(metadata: grpc.Metadata): Peer | undefined {
    const value = metadata.get(PEER_HEADER)[0];
    if (typeof value !== "string") return undefined;
    const [namespace, name] = value.split("/");
    const w = this.opts.registry.snapshot().workloads.find((x) => x.namespace === namespace && x.name === name);
    return w ? peerOf(w) : undefined;
  }

  /** What each Bookinfo app answers; downstream failures degrade the answer, as in Bookinfo. */
  private async respond(app: BookinfoApp, productId: number): Promise<object> {
    switch (app) {
      case "productpage": {
        const [details, reviews] = await Promise.all([
          this.outbound.call("details", { productId }),
          this.outbound.call<{ reviews: unknown[] }>("reviews", { productId }),
        ]);
        return {
          id: productId,
          title: "The Comedy of Errors",
          details: details.response,
          reviews: reviews.response?.reviews ?? [],
          detailsError: errorText(details),
          reviewsError: errorText(reviews),
        };
      }
      case "details":
        return { id: productId, author: "William Shakespeare", year: 1595, type: "paperback", pages: 200, publisher: "PublisherA", language: "English", isbn10: "1234567890", isbn13: "123-1234567890" };
      case "reviews": {
        const version = this.opts.def.version;
        let stars: Record<string, number> = {};
        let ratingsError = "";
        if (this.opts.def.calls.includes("ratings")) {
          const r = await this.outbound.call<{ ratings: Record<string, number> }>("ratings", { productId });
          stars = r.response?.ratings ?? {};
          ratingsError = errorText(r);
        }
        const color = version === "v2" ? "black" : version === "v3" ? "red" : "";
        return {
          id: productId,
          podname: this.name,
          ratingsError,
          reviews: [
            { reviewer: "Reviewer1", text: "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!", stars: stars.Reviewer1 ?? 0, color },
            { reviewer: "Reviewer2", text: "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.", stars: stars.Reviewer2 ?? 0, color },
          ],
        };
      }
      case "ratings":
        return { id: productId, ratings: { Reviewer1: 5, Reviewer2: 4 } };
    }
  }
}

/** A call's metadata as HTTP request headers (first value of each, lower-case names). */
function headersOf(m: grpc.Metadata): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(m.getMap()).map(([k, v]) => [k.toLowerCase(), typeof v === "string" ? v : v.toString()]));
}

function errorText(r: CallResult<unknown>): string {
  return r.code === grpc.status.OK ? "" : `${grpc.status[r.code] ?? r.code}: ${r.details ?? ""}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
