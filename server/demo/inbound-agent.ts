import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../log";
import { decodeResource } from "../xds/dump";
import { TYPE } from "../xds/protos";
import { ads } from "../xds/server";
import { type LocalRateLimit, localRateLimitFor } from "./local-ratelimit";

/**
 * A demo workload's sidecar, for its inbound side only: an ADS stream of its
 * own (node id sidecar~ip~pod.namespace~..., as Istio's sidecars name
 * themselves) that takes the listeners Sextant's xDS server sends this pod,
 * ACKs them, and keeps the local rate limit its inbound listener carries for
 * the port the workload serves. The workload asks it before serving a call;
 * what it enforces is what it was sent, nothing from Sextant's internals.
 */
export interface InboundAgentOptions {
  xds: { host: string; port: number };
  pod: string;
  namespace: string;
  ip: string;
  /** The port the workload serves (its inbound filter chain's destination port). */
  port: number;
  log: Logger;
}

type Response = { version_info: string; nonce: string; type_url: string; resources: { type_url: string; value: Buffer }[] };
const TYPES = [TYPE.listener, TYPE.cluster] as const;

export class InboundAgent {
  /** The local rate limit in force for the served port (undefined: none). */
  limit: LocalRateLimit | undefined;
  /** The listener version this agent accepted last. */
  acceptedVersion: string | undefined;
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<unknown, Response> | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly opts: InboundAgentOptions) {}

  get nodeId(): string {
    return `sidecar~${this.opts.ip}~${this.opts.pod}.${this.opts.namespace}~${this.opts.namespace}.svc.cluster.local`;
  }

  start(): void {
    if (this.stopped) return;
    const Client = grpc.makeGenericClientConstructor(ads(), "AggregatedDiscoveryService");
    this.client ??= new Client(`${this.opts.xds.host}:${this.opts.xds.port}`, grpc.credentials.createInsecure());
    const call = (this.client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, Response> }).StreamAggregatedResources();
    this.call = call;
    const node = { id: this.nodeId, cluster: `${this.opts.pod}.${this.opts.namespace}`, user_agent_name: "sextant-demo-workload" };
    TYPES.forEach((type_url, i) => call.write({ ...(i === 0 ? { node } : {}), type_url, resource_names: [] }));
    call.on("data", (r: Response) => {
      if (r.type_url === TYPE.listener) {
        const inbound = r.resources.find((x) => x.type_url === TYPE.listener && (decodeResource(TYPE.listener, x.value) as { name?: string }).name === "virtualInbound");
        this.limit = inbound ? localRateLimitFor(decodeResource(TYPE.listener, inbound.value), this.opts.port, Date.now()) : undefined;
        this.acceptedVersion = r.version_info;
      }
      call.write({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: [] });
    });
    call.on("error", () => undefined);
    call.on("status", (st: grpc.StatusObject) => {
      if (this.call !== call || this.stopped) return;
      this.opts.log.debug("demo sidecar lost its xDS stream; reconnecting", { pod: this.opts.pod, code: st.code, details: st.details });
      // The xDS server went away (restart): keep the last limit, as Envoy does, and reconnect.
      this.retry = setTimeout(() => this.start(), 1000);
      this.retry.unref();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.call?.end();
    this.call?.cancel();
    this.client?.close();
  }
}
