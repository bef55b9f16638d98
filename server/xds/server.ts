import { XdsEventLog } from "./events";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Logger } from "../log";
import { includeDirs } from "./protos";
import { type NodeInfo, clientKind } from "./clients";
import { nodeProxyKey } from "./node";
import { refuseNode, spiffeFromSan } from "./identity";
import { type EncodedResource, type Snapshot, type TypeUrl, XDS_TYPES, resourcesFor } from "./snapshot";
import { BACKLOG_LIMIT, type DeltaRequest, type DiscoveryRequest, MAX_NAMES, PermissionError, type ProxyConnection, type Stream, type StreamState, SubscriptionLimitError, type TypeStatus, type XdsTls, rejectedResources } from "./stream";

export { BACKLOG_LIMIT, MAX_NAMES, rejectedResources } from "./stream";
export type { ProxyConnection, TypeStatus, XdsTls } from "./stream";

/**
 * Sextant's ADS server (envoy.service.discovery.v3.AggregatedDiscoveryService),
 * state-of-the-world streams. https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol
 *  - A response carries a nonce; a request whose response_nonce is not the last
 *    nonce sent for that type is stale and ignored.
 *  - A request answering our nonce is an ACK, or a NACK when it carries
 *    error_detail (the client may already report the NEW version_info in a NACK,
 *    so version is not how a NACK is told). The client keeps its last good
 *    config; we record the error and do not resend the rejected version.
 *  - Empty resource_names on LDS/CDS is a wildcard subscription.
 *  - A type is pushed when the stream first asks for it, when its names change,
 *    and when the snapshot's version for it changes.
 * Incremental (delta) streams follow the same ACK/NACK rules, but subscribe and
 * unsubscribe by name (empty first request on LDS/CDS, or "*", is a wildcard)
 * and receive only resources that changed since what the stream holds (from
 * initial_resource_versions or what was sent), plus the names removed.
 * Unknown type URLs end that stream with INVALID_ARGUMENT; others keep going.
 * An Envoy sidecar whose node id names a pod (sidecar~ip~pod.ns~...) also
 * receives that pod's own inbound listener and clusters (Snapshot.proxies).
 */
let adsDefinition: grpc.ServiceDefinition | undefined;
export function ads(): grpc.ServiceDefinition {
  if (adsDefinition) return adsDefinition;
  const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: includeDirs() });
  adsDefinition = (pkg["envoy.service.discovery.v3.AggregatedDiscoveryService"] as unknown as grpc.ServiceDefinition) ?? undefined;
  if (!adsDefinition) throw new Error("cannot load envoy.service.discovery.v3.AggregatedDiscoveryService");
  return adsDefinition;
}

export class AdsServer {
  private server: grpc.Server | undefined;
  private tls: XdsTls | undefined;
  private snapshot: Snapshot | undefined;
  private readonly streams = new Map<number, StreamState>();
  private nextStream = 1;
  private nonce = 0;
  /** Pushes, NACKs and push-to-ACK times since Sextant's telemetry last took them. */
  readonly events = new XdsEventLog();

  constructor(
    private readonly log: Logger,
    /** Told whenever what proxies() reports may have changed (a stream came or went, a push, an ACK or NACK). */
    private readonly onChange: () => void = () => undefined,
    /** Bytes a proxy may leave untaken before pushes to it wait. */
    private readonly backlogLimit = BACKLOG_LIMIT,
  ) {}

  /**
   * Publishes a new snapshot. A stream is pushed a type only if what it
   * subscribed to changed: any change of the type for wildcard subscriptions,
   * a change of one of its named resources otherwise. Returns how many
   * responses were sent.
   */
  setSnapshot(s: Snapshot): number {
    this.snapshot = s;
    let pushes = 0;
    for (const st of this.streams.values()) {
      // A proxy that does not take what it is sent gets no more until it does: then the snapshot of that time.
      if (st.backlog > this.backlogLimit) {
        for (const type of st.types.keys()) st.held.add(type);
        continue;
      }
      if (st.delta) {
        for (const type of st.delta.keys()) if (this.sendDelta(st, type)) pushes++;
        continue;
      }
      for (const [type, status] of st.types) {
        const view = resourcesFor(s, type, st.proxy, st.client);
        if (status.sentVersion === view.version) continue;
        if (status.subscribed !== "*") {
          const before = new Map((st.sent.get(type) ?? []).map((r) => [r.name, r.hash]));
          const same = status.subscribed.every((n) => before.get(n) === view.all.get(n)?.hash);
          if (same) continue;
        }
        this.send(st, type);
        pushes++;
      }
    }
    if (pushes) this.onChange();
    return pushes;
  }

  /**
   * `tls`: serve over TLS and require a client certificate signed by `ca` (mTLS); each stream's node
   * must then be in the namespace of its certificate's SPIFFE identity (identity.ts).
   */
  async listen(host: string, port: number, tls?: XdsTls): Promise<number> {
    const server = new grpc.Server();
    const def = ads();
    server.addService(def, {
      StreamAggregatedResources: (call: Stream) => this.onStream(call),
      DeltaAggregatedResources: (call: Stream) => this.onStream(call, true),
    });
    const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:${port}`, tls ? grpc.ServerCredentials.createSsl(Buffer.from(tls.ca), [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }], true) : grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    this.server = server;
    this.tls = tls;
    return bound;
  }

  async close(): Promise<void> {
    for (const st of this.streams.values()) st.call.end();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    // Clients get a GOAWAY and 2 s to close; those that keep their connection open are cut off.
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 2000);
      s.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  /** The snapshot being served now. */
  current(): Snapshot | undefined {
    return this.snapshot;
  }

  /** Every connected proxy and, per type, what it was sent and what it said. */
  proxies(): ProxyConnection[] {
    return [...this.streams.values()]
      .map((st) => ({ streamId: st.id, nodeId: st.nodeId, client: st.client, userAgent: st.userAgent, backlogBytes: st.backlog, cluster: st.cluster, connectedAt: st.connectedAt.toISOString(), types: [...st.types.values()].map((t) => ({ ...t })) }))
      .sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.streamId - b.streamId));
  }

  /** The resources last sent to one stream, per type. */
  sentTo(streamId: number): Map<TypeUrl, EncodedResource[]> | undefined {
    return this.streams.get(streamId)?.sent;
  }

  private onStream(call: Stream, delta = false): void {
    const st: StreamState = { id: this.nextStream++, call, nodeId: "", cluster: "", client: "envoy", userAgent: "", connectedAt: new Date(), types: new Map(), sent: new Map(), sentOrder: new Map(), backlog: 0, held: new Set(), sentAt: new Map(), unservedAnswered: new Set(), ...(delta ? { delta: new Map() } : {}) };
    this.streams.set(st.id, st);
    const done = () => {
      if (this.streams.delete(st.id)) this.onChange();
    };
    call.on("end", () => {
      done();
      call.end();
    });
    call.on("error", done);
    call.on("close", done);
    call.on("drain", () => this.release(st));
    call.on("data", (req: DiscoveryRequest & DeltaRequest) => {
      try {
        if (st.delta) this.onDeltaRequest(st, req);
        else this.onRequest(st, req);
        this.onChange();
      } catch (e) {
        this.log.warn("bad xDS request", { node: st.nodeId, error: e instanceof Error ? e.message : String(e) });
        this.streams.delete(st.id);
        // grpc-js turns a server stream's "error" event into the call's status (destroy() would skip it).
        call.emit("error", Object.assign(new Error(e instanceof Error ? e.message : String(e)), { code: e instanceof SubscriptionLimitError ? grpc.status.RESOURCE_EXHAUSTED : e instanceof PermissionError ? grpc.status.PERMISSION_DENIED : grpc.status.INVALID_ARGUMENT }));
      }
    });
  }

  /**
   * The node (from the first request) and the requested type; undefined for
   * a type this server does not serve (answered by unserved(), the stream goes
   * on); throws for what the protocol forbids.
   */
  private identify(st: StreamState, req: { node?: NodeInfo & { cluster?: string }; type_url?: string }): TypeUrl | undefined {
    if (!st.nodeId) {
      if (!req.node?.id) throw new Error("the first request on a stream must carry node.id");
      if (this.tls) {
        const peer = st.call.getAuthContext?.().sslPeerCertificate;
        const why = refuseNode(req.node.id, spiffeFromSan(peer?.subjectaltname), this.tls.trustDomain);
        if (why) throw new PermissionError(why);
      }
      st.nodeId = req.node.id;
      st.cluster = req.node.cluster ?? "";
      st.client = clientKind(req.node);
      st.userAgent = String((req.node as { user_agent_name?: unknown }).user_agent_name ?? "").slice(0, 100);
      // Only a sidecar has an inbound side of its own.
      st.proxy = st.client === "envoy" ? nodeProxyKey(req.node.id) : undefined;
    }
    const type = req.type_url as TypeUrl;
    if (typeof req.type_url !== "string" || !/^type\.googleapis\.com\/[\w.]+$/.test(req.type_url)) throw new Error(`type_url ${JSON.stringify(req.type_url ?? "")} is not a type URL; served: ${XDS_TYPES.join(", ")}`);
    return XDS_TYPES.includes(type) ? type : undefined;
  }

  /**
   * A type this server does not serve (an Envoy asking for Secrets or Runtime
   * on its ADS stream): answered with nothing of that type (state of the
   * world: an empty response; delta: every name asked for, as removed), once
   * per change of subscription, so the rest of the stream is unharmed.
   */
  private unserved(st: StreamState, req: DiscoveryRequest & DeltaRequest): void {
    const names = st.delta ? (req.resource_names_subscribe ?? []) : (req.resource_names ?? []);
    const key = `${req.type_url}\0${JSON.stringify(names)}`;
    if (req.response_nonce && st.unservedAnswered.has(key)) return; // an ACK of our empty answer
    st.unservedAnswered.add(key);
    if (st.unservedAnswered.size === 1) this.log.info("proxy asked for a type this server does not serve; answered with none", { node: st.nodeId, type: req.type_url });
    const nonce = String(++this.nonce);
    if (st.delta) st.call.write({ system_version_info: "", type_url: req.type_url, nonce, resources: [], removed_resources: names.filter((n) => n !== "*") });
    else st.call.write({ version_info: "", resources: [], type_url: req.type_url, nonce });
  }

  /**
   * Records an ACK or a NACK carried by a request; false when the request
   * answers an older response (stale nonce) and must be ignored.
   */
  private answer(st: StreamState, type: TypeUrl, status: TypeStatus, req: { response_nonce?: string; error_detail?: { code?: number; message?: string } | null }, version: string): boolean {
    if (!req.response_nonce) return true;
    if (req.response_nonce !== status.sentNonce) return false;
    if (req.error_detail && (req.error_detail.message || req.error_detail.code)) {
      const message = req.error_detail.message || `code ${req.error_detail.code}`;
      // The same NACK repeated (a client re-sends its error with every request until the next response) is logged once.
      // The version a NACK carries is the client's last good one or the rejected one, depending on the client:
      // what was rejected is known by the nonce.
      if (status.nack?.message !== message || status.nack.nonce !== req.response_nonce) {
        this.log.warn("proxy rejected configuration (NACK)", { node: st.nodeId, type, error: message });
        this.events.nacked(type);
      }
      status.nack = { nonce: req.response_nonce, version: status.sentVersion ?? version, message, at: new Date().toISOString(), resources: rejectedResources(message, st.sentOrder.get(type) ?? []) };
    } else {
      const at = st.sentAt.get(type);
      if (at !== undefined) this.events.acked(type, (performance.now() - at) / 1000);
      st.sentAt.delete(type);
      status.ackedVersion = version;
      status.nack = undefined;
    }
    return true;
  }

  private onRequest(st: StreamState, req: DiscoveryRequest): void {
    const type = this.identify(st, req);
    if (!type) return this.unserved(st, req);
    if ((req.resource_names?.length ?? 0) > MAX_NAMES) throw new SubscriptionLimitError(type, req.resource_names!.length);
    const status = st.types.get(type) ?? { typeUrl: type, subscribed: "*" as const };
    st.types.set(type, status);
    // SotW: the version a request carries is the one it ACKs (or the new one it NACKs).
    if (!this.answer(st, type, status, req, req.version_info ?? "")) return;
    const wildcard = (type === XDS_TYPES[0] || type === XDS_TYPES[2]) && (req.resource_names ?? []).length === 0;
    const names = wildcard ? "*" : [...new Set(req.resource_names ?? [])].sort();
    const changed = JSON.stringify(names) !== JSON.stringify(status.subscribed);
    status.subscribed = names;
    if (!status.sentNonce || changed) this.send(st, type);
  }

  private onDeltaRequest(st: StreamState, req: DeltaRequest): void {
    const type = this.identify(st, req);
    if (!type) return this.unserved(st, req);
    const status = st.types.get(type) ?? { typeUrl: type, subscribed: [] as string[] };
    st.types.set(type, status);
    const subscribe = req.resource_names_subscribe ?? [];
    const unsubscribe = req.resource_names_unsubscribe ?? [];
    let d = st.delta!.get(type);
    if (!d) {
      d = {
        wildcard: subscribe.includes("*") || ((type === XDS_TYPES[0] || type === XDS_TYPES[2]) && subscribe.length === 0),
        names: new Set(),
        known: new Map(Object.entries(req.initial_resource_versions ?? {})),
        started: false,
      };
      st.delta!.set(type, d);
    }
    if (d.names.size + subscribe.length > MAX_NAMES) throw new SubscriptionLimitError(type, d.names.size + subscribe.length);
    // Delta requests carry no version: an answer is about what we last sent. A stale nonce makes the
    // (N)ACK part void, not the subscription part: "These two fields can be set in any
    // DeltaDiscoveryRequest, including ACKs" (discovery.proto, DeltaDiscoveryRequest).
    this.answer(st, type, status, req, status.sentVersion ?? "");
    const asked: string[] = [];
    for (const n of subscribe) {
      if (n === "*") d.wildcard = true;
      else {
        d.names.add(n);
        asked.push(n);
        // "the server must respond with all resources listed in resource_names_subscribe, even if it
        // believes the client has the most recent version of them" (discovery.proto); except in a
        // reconnected stream's first request, whose initial_resource_versions say what the client holds.
        if (d.started) d.known.delete(n);
      }
    }
    for (const n of unsubscribe) {
      if (n === "*") d.wildcard = false;
      else d.names.delete(n);
      // A name the wildcard still covers stays with the client.
      if (!d.wildcard) d.known.delete(n);
    }
    status.subscribed = d.wildcard ? "*" : [...d.names].sort();
    // Every request that changes the subscription gets an answer, even an empty one.
    const changedSubscription = subscribe.length > 0 || unsubscribe.length > 0 || !d.started;
    d.started = true;
    if (changedSubscription) this.sendDelta(st, type, true, asked);
  }

  /**
   * Sends what changed for one delta stream and type; returns whether
   * anything was sent. Names just asked for that do not exist are listed as
   * removed ("Removed resources for missing resources can be ignored",
   * discovery.proto), so the client need not wait for a timeout.
   */
  private sendDelta(st: StreamState, type: TypeUrl, evenIfEmpty = false, asked: string[] = []): boolean {
    const snap = this.snapshot;
    const d = st.delta?.get(type);
    const status = st.types.get(type);
    if (!snap || !d || !status) return false;
    const { all, version } = resourcesFor(snap, type, st.proxy, st.client);
    const wanted = d.wildcard ? [...all.keys()] : [...d.names];
    const changed = wanted.map((n) => all.get(n)).filter((r): r is EncodedResource => r !== undefined && d.known.get(r.name) !== r.hash);
    const removed = [...new Set([...[...d.known.keys()].filter((n) => !all.has(n) && (d.wildcard || d.names.has(n))), ...asked.filter((n) => !all.has(n))])].sort();
    if (changed.length === 0 && removed.length === 0 && !evenIfEmpty) return false;
    for (const r of changed) d.known.set(r.name, r.hash);
    for (const n of removed) d.known.delete(n);
    const nonce = String(++this.nonce);
    status.sentVersion = version;
    status.sentNonce = nonce;
    status.lastPush = new Date().toISOString();
    st.sent.set(type, wanted.map((n) => all.get(n)).filter((r): r is EncodedResource => r !== undefined));
    st.sentOrder.set(type, changed.map((r) => r.name));
    this.write(st, changed, {
      system_version_info: version,
      type_url: type,
      nonce,
      resources: changed.map((r) => ({ name: r.name, version: r.hash, resource: r.any })),
      removed_resources: removed,
    });
    return true;
  }

  private send(st: StreamState, type: TypeUrl): void {
    const snap = this.snapshot;
    const status = st.types.get(type);
    if (!snap || !status) return;
    const { all, version } = resourcesFor(snap, type, st.proxy, st.client);
    const resources = status.subscribed === "*" ? [...all.values()] : status.subscribed.map((n) => all.get(n)).filter((r) => r !== undefined);
    const nonce = String(++this.nonce);
    status.sentVersion = version;
    status.sentNonce = nonce;
    status.lastPush = new Date().toISOString();
    st.sent.set(type, resources);
    st.sentOrder.set(type, resources.map((r) => r.name));
    this.write(st, resources, { version_info: version, resources: resources.map((r) => r.any), type_url: type, nonce });
  }

  /** Writes a response, counting its bytes against the stream's backlog until the transport has taken them. */
  private write(st: StreamState, resources: EncodedResource[], response: Record<string, unknown>): void {
    const bytes = resources.reduce((a, r) => a + r.any.value.length, 64);
    st.backlog += bytes;
    st.held.delete(response.type_url as TypeUrl);
    st.sentAt.set(response.type_url as TypeUrl, performance.now());
    this.events.pushed(response.type_url as string);
    st.call.write(response, () => {
      st.backlog -= bytes;
      if (st.held.size && st.backlog <= this.backlogLimit) this.release(st);
    });
  }

  /** Sends what was held back from a stream whose backlog has drained: the snapshot current now. */
  private release(st: StreamState): void {
    if (!this.streams.has(st.id) || st.backlog > this.backlogLimit) return;
    const held = [...st.held];
    st.held.clear();
    for (const type of held) {
      if (st.delta) this.sendDelta(st, type);
      else if (st.types.get(type)?.sentVersion !== resourcesFor(this.snapshot!, type, st.proxy, st.client).version) this.send(st, type);
    }
    if (held.length) this.onChange();
  }
}

