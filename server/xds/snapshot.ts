import { createHash } from "node:crypto";
import { TYPE, anyFromProtoJson, messageType, toAny } from "./protos";
import type { ClientKind } from "./clients";
import { type ApiListenerSpec, BLACKHOLE_CLUSTER, type EnvoyResources, PASSTHROUGH_CLUSTER, type ServiceInput, type SocketListenerSpec, buildServiceResources, serviceInputs, sidecarClusters, sidecarResources } from "./resources";
import { type InboundListenerSpec, type InboundPort, type InboundRateLimit, inboundChains, settleLocalDescriptors, inboundResources, inboundRouteConfiguration, proxyKey, serviceInboundPorts } from "./inbound";
import type { IntentDraft } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { selects } from "../mesh/model";

/**
 * An immutable, consistent set of resources to serve, encoded once. Each type
 * has a version derived from its content (a hash of names and bytes), so
 * versions change only when meaning changes, and a push happens only then.
 * Consistency (as go-control-plane's Snapshot.Consistent): every route names
 * an existing cluster, every EDS cluster has an assignment, every listener's
 * route configuration exists.
 */
export type TypeUrl = (typeof TYPE)[keyof Pick<typeof TYPE, "listener" | "route" | "cluster" | "endpoint">];
export const XDS_TYPES: TypeUrl[] = [TYPE.listener, TYPE.route, TYPE.cluster, TYPE.endpoint];

export interface EncodedResource {
  name: string;
  any: { type_url: string; value: Buffer };
  /** Content hash: tells a changed resource from an unchanged one. */
  hash: string;
  /** Served to this kind of client only (a proxyless api_listener; a sidecar's socket listeners). */
  only?: ClientKind;
}

export interface Snapshot {
  resources: Record<TypeUrl, Map<string, EncodedResource>>;
  versions: Record<TypeUrl, string>;
  /**
   * What differs per proxy: an Envoy sidecar's inbound listener and clusters
   * for its own pod, keyed by "<pod>.<namespace>" (from its node id). A proxy
   * receives the shared resources plus its own; see resourcesFor().
   */
  proxies?: Map<string, ProxyPart>;
  /**
   * What Envoy sidecars get instead of the shared (proxyless-safe) resource of
   * the same name: clusters with the load balancers gRPC cannot run.
   */
  envoy?: ProxyPart;
  /** Sidecars' route configurations as a namespace's sidecars get them, where they differ (bare service names). */
  namespaces?: Map<string, ProxyPart>;
}

/** One pod's own resources; pods with the same inbound configuration share one. */
export interface ProxyPart {
  resources: Record<TypeUrl, EncodedResource[]>;
  digest: Record<TypeUrl, string>;
}

/** Rate limits for the inbound side of the pods a selector picks (from SmartLimiters). */
export interface InboundPolicy {
  namespace: string;
  selector: Record<string, string>;
  /** The service port (or the pod's own port) to limit; every port when absent. */
  port?: number;
  rateLimit: InboundRateLimit;
}

/**
 * The resources of one type a proxy should see, and their version: the
 * shared ones, with Envoy's own variants for an Envoy sidecar, plus its pod's
 * own (same-named own resources win). With nothing of its own, the shared map
 * itself (no copy).
 */
export function resourcesFor(s: Snapshot, type: TypeUrl, proxy: string | undefined, client: ClientKind = "proxyless"): { all: Map<string, EncodedResource>; version: string } {
  const base = baseFor(s, type, client);
  const namespace = client === "envoy" && proxy ? proxy.slice(proxy.lastIndexOf(".") + 1) : undefined;
  const overlays = [namespace ? s.namespaces?.get(namespace) : undefined, proxy ? s.proxies?.get(proxy) : undefined].filter((p): p is ProxyPart => !!p && p.resources[type].length > 0);
  if (overlays.length === 0) return base;
  const all = new Map(base.all);
  const h = createHash("sha256").update(base.version);
  for (const part of overlays) {
    for (const r of part.resources[type]) all.set(r.name, r);
    h.update("\0").update(part.digest[type]);
  }
  return { all, version: h.digest("hex").slice(0, 16) };
}

/**
 * The shared resources of a type as one kind of client sees them, computed
 * once per snapshot and kind: listeners meant for the other kind left out (a
 * sidecar on wildcard LDS gets no proxyless api_listener, whose empty
 * stat_prefix Envoy's rules refuse), and Envoy's own variants of clusters
 * for Envoy sidecars.
 */
const views = new WeakMap<Snapshot, Map<string, { all: Map<string, EncodedResource>; version: string }>>();
function baseFor(s: Snapshot, type: TypeUrl, client: ClientKind): { all: Map<string, EncodedResource>; version: string } {
  const envoyOverlay = client === "envoy" && s.envoy && s.envoy.resources[type].length > 0 ? s.envoy : undefined;
  if (type !== TYPE.listener && type !== TYPE.cluster && !envoyOverlay) return { all: s.resources[type], version: s.versions[type] };
  let byKey = views.get(s);
  if (!byKey) views.set(s, (byKey = new Map()));
  const key = `${type}\0${client}`;
  let view = byKey.get(key);
  if (!view) {
    if (type === TYPE.listener || (type === TYPE.cluster && !envoyOverlay)) {
      const all = new Map([...s.resources[type]].filter(([, r]) => !r.only || r.only === client));
      const h = createHash("sha256").update(client);
      for (const name of [...all.keys()].sort()) h.update("\0").update(name).update("\0").update(all.get(name)!.hash);
      view = { all, version: h.digest("hex").slice(0, 16) };
    } else {
      const all = new Map([...s.resources[type]].filter(([, r]) => !r.only || r.only === client));
      for (const r of envoyOverlay!.resources[type]) all.set(r.name, r);
      view = { all, version: createHash("sha256").update(s.versions[type]).update("\0").update(envoyOverlay!.digest[type]).digest("hex").slice(0, 16) };
    }
    byKey.set(key, view);
  }
  return view;
}

export class InconsistentSnapshotError extends Error {}

export function consistencyProblems(r: EnvoyResources): string[] {
  const problems: string[] = [];
  for (const l of Object.values(r.listeners)) {
    if (l.inbound || l.outbound) continue; // inline route configurations; a TCP proxy
    const rc = ((l.api_listener ?? l.socket) as ApiListenerSpec | SocketListenerSpec).routeConfigName;
    if (!r.routes[rc]) problems.push(`listener ${String(l.name)} names route configuration ${rc}, which does not exist`);
  }
  for (const rc of Object.values(r.routes)) {
    for (const vh of rc.virtual_hosts as { name: string; routes: { route: { cluster?: string; weighted_clusters?: { clusters: { name: string }[] }; request_mirror_policies?: { cluster: string }[] } }[] }[]) {
      for (const route of vh.routes) {
        const names = [
          ...(route.route.cluster ? [route.route.cluster] : (route.route.weighted_clusters?.clusters ?? []).map((c) => c.name)),
          ...(route.route.request_mirror_policies ?? []).map((m) => m.cluster),
        ];
        for (const n of names) if (!r.clusters[n]) problems.push(`route in ${vh.name} names cluster ${n}, which does not exist`);
      }
    }
  }
  for (const [name, c] of Object.entries(r.clusters)) if (c.type === "EDS" && !r.endpoints[name]) problems.push(`EDS cluster ${name} has no load assignment`);
  return problems;
}

function hcm(routeConfigName: string, statPrefix?: string) {
  return toAny(TYPE.hcm, {
    ...(statPrefix ? { stat_prefix: statPrefix } : {}),
    rds: { route_config_name: routeConfigName, config_source: { ads: {}, resource_api_version: "V3" } },
    // The fault filter does nothing unless a route configures it (typed_per_filter_config).
    http_filters: [
      { name: "envoy.filters.http.fault", typed_config: toAny(TYPE.fault, {}) },
      { name: "envoy.filters.http.router", typed_config: toAny(TYPE.router, {}) },
    ],
  });
}

function encodeListener(l: Record<string, unknown>): Record<string, unknown> {
  if (l.inbound) {
    const spec = l.inbound as InboundListenerSpec;
    return {
      name: l.name,
      address: { socket_address: { address: "0.0.0.0", port_value: 15006 } },
      listener_filters: [{ name: "envoy.filters.listener.original_dst", typed_config: toAny(TYPE.originalDst, {}) }],
      use_original_dst: { value: true },
      filter_chains: spec.chains.map((c) => ({
        name: `0.0.0.0_${c.port}`,
        filter_chain_match: { destination_port: { value: c.port } },
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: toAny(TYPE.hcm, {
              stat_prefix: `inbound_0.0.0.0_${c.port}`,
              route_config: inboundRouteConfiguration(c, (t, o) => anyFromProtoJson({ "@type": t, ...o })),
              http_filters: [
                ...(c.rateLimit?.filters ?? []).map((f) => ({ name: f.name, typed_config: anyFromProtoJson({ "@type": f.typeUrl, ...f.config }) })),
                { name: "envoy.filters.http.router", typed_config: toAny(TYPE.router, {}) },
              ],
            }),
          },
        ],
      })),
      traffic_direction: "INBOUND",
    };
  }
  if (l.outbound) {
    return {
      name: l.name,
      address: { socket_address: { address: "0.0.0.0", port_value: 15001 } },
      use_original_dst: { value: true },
      listener_filters: [{ name: "envoy.filters.listener.original_dst", typed_config: toAny(TYPE.originalDst, {}) }],
      default_filter_chain: {
        name: PASSTHROUGH_CLUSTER,
        filters: [{ name: "envoy.filters.network.tcp_proxy", typed_config: toAny(TYPE.tcpProxy, { stat_prefix: PASSTHROUGH_CLUSTER, cluster: PASSTHROUGH_CLUSTER }) }],
      },
      traffic_direction: "OUTBOUND",
    };
  }
  if (l.socket) {
    const spec = l.socket as SocketListenerSpec;
    return {
      name: l.name,
      address: { socket_address: { address: "0.0.0.0", port_value: spec.port } },
      // Reached through virtualOutbound's original destination, as istiod's port listeners are.
      bind_to_port: { value: false },
      filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: hcm(spec.routeConfigName, `outbound_0.0.0.0_${spec.port}`) }] }],
      traffic_direction: "OUTBOUND",
    };
  }
  const spec = l.api_listener as ApiListenerSpec;
  return { name: l.name, api_listener: { api_listener: hcm(spec.routeConfigName) } };
}

type Encoded = Record<TypeUrl, EncodedResource[]>;

/** Clusters only sidecars use (their outbound passthrough). */
const SIDECAR_CLUSTERS = new Set([PASSTHROUGH_CLUSTER, BLACKHOLE_CLUSTER]);

function encodeAll(r: EnvoyResources): Encoded {
  const pack = (type: TypeUrl, items: Record<string, Record<string, unknown>>, encode: (x: Record<string, unknown>) => Record<string, unknown> = (x) => x) =>
    Object.keys(items)
      .sort()
      .map((name) => {
        const item = items[name]!;
        const any = toAny(type, encode(item));
        const only: ClientKind | undefined = type === TYPE.listener ? (item.api_listener ? "proxyless" : "envoy") : type === TYPE.cluster && SIDECAR_CLUSTERS.has(name) ? "envoy" : undefined;
        return { name, any, hash: createHash("sha256").update(any.value).digest("hex").slice(0, 16), ...(only ? { only } : {}) };
      });
  return {
    [TYPE.listener]: pack(TYPE.listener, r.listeners, encodeListener),
    [TYPE.route]: pack(TYPE.route, r.routes),
    [TYPE.cluster]: pack(TYPE.cluster, r.clusters),
    [TYPE.endpoint]: pack(TYPE.endpoint, r.endpoints),
  } as Encoded;
}

function assemble(parts: Encoded[]): Snapshot {
  const resources = Object.fromEntries(XDS_TYPES.map((t) => [t, new Map<string, EncodedResource>()])) as Record<TypeUrl, Map<string, EncodedResource>>;
  for (const p of parts) for (const t of XDS_TYPES) for (const r of p[t]) resources[t].set(r.name, r);
  const versions = {} as Record<TypeUrl, string>;
  for (const t of XDS_TYPES) {
    const h = createHash("sha256");
    for (const name of [...resources[t].keys()].sort()) h.update(name).update("\0").update(resources[t].get(name)!.hash).update("\0");
    versions[t] = h.digest("hex").slice(0, 16);
  }
  return { resources, versions };
}

/** A snapshot of the given resources, built from scratch. */
export function buildSnapshot(r: EnvoyResources): Snapshot {
  const problems = consistencyProblems(r);
  if (problems.length) throw new InconsistentSnapshotError(`inconsistent snapshot: ${problems.join("; ")}`);
  return assemble([encodeAll(r)]);
}

/**
 * Builds snapshots incrementally: each service's resources are built and
 * encoded once and reused while its inputs (the service, its pods, its
 * intents) stay the same, so a change to one service costs one service's
 * work, not the mesh's.
 */
export class SnapshotBuilder {
  private cache = new Map<string, CacheEntry>();
  private shared: (Built & { key: string }) | undefined;
  private namespaceParts = new Map<string, ProxyPart>();

  private parts = new Map<string, ProxyPart>();
  private proxyState: { entries: Map<string, CacheEntry>; policiesKey: string; sources: Map<string, CacheEntry[]>; out: Map<string, ProxyPart>; keys: Map<string, string> } | undefined;
  private last: { entries: Map<string, Built>; resources: Record<TypeUrl, Map<string, EncodedResource>> } | undefined;

  build(mesh: MeshSnapshot, intents: IntentDraft[], policies: InboundPolicy[] = []): Snapshot {
    const next = new Map<string, CacheEntry>();
    for (const input of serviceInputs(mesh, intents)) {
      const id = `${input.service.namespace}/${input.service.name}`;
      const key = inputKey(input);
      const hit = this.cache.get(id);
      if (hit && sameInput(hit.key, key)) {
        next.set(id, hit);
        continue;
      }
      // Proxyless gRPC's resources are the shared ones; Envoy's differ in routes
      // (the shared per-port configurations are made of them) and some clusters.
      const plain = buildServiceResources(input, "proxyless");
      const forEnvoy = buildServiceResources(input, "envoy");
      // A service's resources only name each other (its listener, route, clusters,
      // load assignments), so consistency is checked per service, when it is built.
      const problems = [...consistencyProblems(plain), ...consistencyProblems(forEnvoy)];
      if (problems.length) throw new InconsistentSnapshotError(`inconsistent snapshot: ${problems.join("; ")}`);
      const encoded = encodeAll(plain);
      const shared = new Map(encoded[TYPE.cluster].map((r) => [r.name, r.hash]));
      const envoyClusters = encodeAll({ listeners: {}, routes: {}, clusters: forEnvoy.clusters, endpoints: {} })[TYPE.cluster].filter((r) => shared.get(r.name) !== r.hash);
      const digest = Object.fromEntries(XDS_TYPES.map((t) => [t, createHash("sha256").update(encoded[t].map((r) => `${r.name}\0${r.hash}`).join("\0")).digest("hex")])) as Record<TypeUrl, string>;
      // Each virtual host encoded once, keyed by its port's shared route configuration name, in two
      // forms: with the service's bare name among its domains (for sidecars in its own namespace) and without.
      const vhosts = new Map<string, VirtualHostBytes[]>();
      const bare = new Set(input.service.ports.flatMap((p) => [input.service.name, `${input.service.name}:${p.port}`]));
      for (const [name, rc] of Object.entries(forEnvoy.routes)) {
        const port = name.slice(name.lastIndexOf(":") + 1);
        const list = (rc.virtual_hosts as Record<string, unknown>[]).map((vh) => ({
          namespace: input.service.namespace,
          shortNames: [...bare],
          full: encodeVirtualHost(vh),
          qualified: encodeVirtualHost({ ...vh, domains: (vh.domains as string[]).filter((d) => !bare.has(d)) }),
        }));
        vhosts.set(port, [...(vhosts.get(port) ?? []), ...list]);
      }
      const vhostDigest = createHash("sha256").update(Buffer.concat([...vhosts.values()].flat().map((v) => v.full))).digest("hex");
      const envoyDigest = createHash("sha256").update(envoyClusters.map((r) => `${r.name}\0${r.hash}`).join("\0")).digest("hex");
      next.set(id, { id, key, encoded, digest, routes: forEnvoy.routes, vhosts, vhostDigest, envoyClusters, envoyDigest, inbound: serviceInboundPorts(input) });
    }
    this.cache = next;
    const proxies = this.buildProxyParts(mesh, next, policies);
    // Sidecars' shared per-port listener and route configuration, rebuilt only when a service's
    // (Envoy) virtual hosts changed. A bare service name ("reviews", "reviews:9080") that two
    // namespaces share is, as istiod has it, a domain only for sidecars in the service's own
    // namespace: those namespaces get their own variant of the port's route configuration; the
    // shared one leaves such names out (Envoy refuses duplicate domains). A bare name no other
    // namespace has stays for every sidecar (istiod would keep it to the own namespace; keeping it
    // costs no variant per namespace and makes no name ambiguous).
    const sharedKey = [...next.values()].map((e) => e.vhostDigest).join(",");
    if (this.shared?.key !== sharedKey) {
      const plain = sidecarResources([...next.values()].map((e) => e.routes));
      // Listeners encode normally; the big per-port route configurations are spliced from
      // each service's cached virtual-host bytes (see spliceRouteConfiguration).
      const encoded = encodeAll({ listeners: plain.listeners, routes: {}, clusters: sidecarClusters(), endpoints: {} });
      const namespaces = new Map<string, EncodedResource[]>();
      for (const name of Object.keys(plain.routes).sort()) {
        const all = [...next.values()].flatMap((e) => e.vhosts.get(name) ?? []);
        const owners = new Map<string, Set<string>>();
        for (const v of all) for (const d of v.shortNames) (owners.get(d) ?? owners.set(d, new Set()).get(d)!).add(v.namespace);
        const unique = (v: VirtualHostBytes) => v.shortNames.every((d) => owners.get(d)!.size === 1);
        const resource = (value: Buffer): EncodedResource => ({ name, any: { type_url: TYPE.route, value }, hash: createHash("sha256").update(value).digest("hex").slice(0, 16) });
        const shared = resource(spliceRouteConfiguration(name, all.map((v) => (unique(v) ? v.full : v.qualified))));
        encoded[TYPE.route].push(shared);
        // Only namespaces that own a bare name another namespace shares need a variant of their own.
        for (const ns of new Set(all.filter((v) => !unique(v)).map((v) => v.namespace))) {
          const own = resource(spliceRouteConfiguration(name, all.map((v) => (unique(v) || v.namespace === ns ? v.full : v.qualified))));
          (namespaces.get(ns) ?? namespaces.set(ns, []).get(ns)!).push(own);
        }
      }
      const digest = Object.fromEntries(XDS_TYPES.map((t) => [t, createHash("sha256").update(encoded[t].map((r) => `${r.name}\0${r.hash}`).join("\0")).digest("hex")])) as Record<TypeUrl, string>;
      this.shared = { key: sharedKey, encoded, digest, routes: {}, vhosts: new Map(), vhostDigest: "", envoyClusters: [], envoyDigest: "", inbound: new Map() };
      this.namespaceParts = new Map([...namespaces].map(([ns, routes]) => [ns, routesPart(routes)]));
    }
    const entries = new Map<string, Built>([...next, ["*sidecar", this.shared]]);
    // The last snapshot's maps are reused for types no entry changed, and otherwise copied with
    // only the changed entries' resources swapped (a map copy is far cheaper than re-inserting
    // every resource of a large mesh). Published maps are never modified.
    const prev = this.last;
    const resources = {} as Record<TypeUrl, Map<string, EncodedResource>>;
    const versions = {} as Record<TypeUrl, string>;
    for (const t of XDS_TYPES) {
      let changed = !prev || prev.entries.size !== entries.size;
      if (!changed) for (const [id, e] of entries) if (prev!.entries.get(id)?.digest[t] !== e.digest[t] && (changed = true)) break;
      const map = !prev ? new Map<string, EncodedResource>() : changed ? new Map(prev.resources[t]) : prev.resources[t];
      if (prev && changed) for (const [id, e] of prev.entries) if (entries.get(id) !== e) for (const r of e.encoded[t]) map.delete(r.name);
      const parts: string[] = [];
      for (const [id, e] of entries) {
        if (changed && (!prev || prev.entries.get(id) !== e)) for (const r of e.encoded[t]) map.set(r.name, r);
        parts.push(id, e.digest[t]);
      }
      resources[t] = map;
      versions[t] = createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
    }
    this.last = { entries, resources };
    return { resources, versions, proxies, envoy: envoyPart([...next.values()]), namespaces: this.namespaceParts };
  }

  /**
   * Each pod's inbound listener and clusters, from the ports its services
   * reach it on and the rate limits that select it. Only pods of services
   * that changed are looked at again (all of them when the rate limits
   * changed); pods whose inbound configuration is the same share one encoded
   * part, kept across builds.
   */
  private buildProxyParts(mesh: MeshSnapshot, next: Map<string, CacheEntry>, policies: InboundPolicy[]): Map<string, ProxyPart> {
    const policiesKey = JSON.stringify(policies);
    const last = this.proxyState;
    let sources: Map<string, CacheEntry[]>;
    let dirty: Iterable<string>;
    if (!last || last.policiesKey !== policiesKey) {
      sources = new Map();
      for (const e of next.values()) for (const pod of e.inbound.keys()) (sources.get(pod) ?? sources.set(pod, []).get(pod)!).push(e);
      dirty = sources.keys();
    } else {
      const changed: CacheEntry[] = [];
      const pods = new Set<string>();
      for (const [id, e] of next) {
        const before = last.entries.get(id);
        if (before === e) continue;
        changed.push(e);
        for (const pod of e.inbound.keys()) pods.add(pod);
        if (before) for (const pod of before.inbound.keys()) pods.add(pod);
      }
      for (const [id, before] of last.entries) if (!next.has(id)) for (const pod of before.inbound.keys()) pods.add(pod);
      if (pods.size === 0) {
        this.proxyState = { ...last, entries: next };
        return last.out;
      }
      sources = new Map(last.sources);
      for (const pod of pods) {
        const from = [...(last.sources.get(pod) ?? []).filter((e) => next.get(e.id) === e), ...changed.filter((e) => e.inbound.has(pod))];
        if (from.length) sources.set(pod, from);
        else sources.delete(pod);
      }
      dirty = pods;
    }
    const endpoints = policies.length ? new Map<string, MeshSnapshot["endpoints"][number]>(mesh.endpoints.map((e) => [proxyKey(e.pod, e.namespace), e])) : undefined;
    const full = !last || last.policiesKey !== policiesKey;
    const out = full ? new Map<string, ProxyPart>() : new Map(last.out);
    const keys = full ? new Map<string, string>() : new Map(last.keys);
    for (const pod of dirty) {
      const from = sources.get(pod);
      if (!from) {
        out.delete(pod);
        keys.delete(pod);
        continue;
      }
      const ports = from.flatMap((e) => e.inbound.get(pod)!);
      const ep = endpoints?.get(pod);
      const limits = new Map<number, InboundRateLimit>();
      if (ep) {
        for (const pol of policies) {
          if (pol.namespace !== ep.namespace || !selects(pol.selector, ep.labels)) continue;
          // A limit's port is the service port (as a SmartLimiter's target names it) or the pod's own.
          for (const p of new Map(ports.filter((x) => pol.port === undefined || pol.port === x.servicePort || pol.port === x.port).map((x) => [x.port, x])).keys()) limits.set(p, merge(limits.get(p), pol.rateLimit));
        }
      }
      const chains = inboundChains(ports, limits);
      const key = JSON.stringify(chains);
      let part = this.parts.get(key);
      if (!part) {
        const plain = inboundResources(chains);
        const encoded = encodeAll({ listeners: plain.listeners, routes: {}, clusters: plain.clusters, endpoints: {} });
        const digest = Object.fromEntries(XDS_TYPES.map((t) => [t, createHash("sha256").update(encoded[t].map((r) => `${r.name}\0${r.hash}`).join("\0")).digest("hex")])) as Record<TypeUrl, string>;
        part = { resources: encoded, digest };
        this.parts.set(key, part);
      }
      out.set(pod, part);
      keys.set(pod, key);
    }
    // Forget parts no pod uses any more.
    if (this.parts.size > 2 * new Set(keys.values()).size + 16) {
      const used = new Set(keys.values());
      for (const k of this.parts.keys()) if (!used.has(k)) this.parts.delete(k);
    }
    this.proxyState = { entries: next, policiesKey, sources, out, keys };
    return out;
  }
}

/** Two rate limits on the same port: filters once each, actions and per-route descriptors together. */
function merge(a: InboundRateLimit | undefined, b: InboundRateLimit): InboundRateLimit {
  if (!a) return b;
  const filters = [...a.filters, ...b.filters.filter((f) => !a.filters.some((x) => x.name === f.name))];
  const perRoute = { ...a.perRoute };
  for (const [k, v] of Object.entries(b.perRoute)) {
    const prev = perRoute[k];
    const [pd, vd] = [prev?.config.descriptors, v.config.descriptors];
    // Two local rate limits on one route: one filter config holding both sets of descriptors.
    perRoute[k] = prev && Array.isArray(pd) && Array.isArray(vd) ? { ...prev, config: settleLocalDescriptors({ ...prev.config, descriptors: [...pd, ...vd] }) } : v;
  }
  return { filters, rateLimits: [...a.rateLimits, ...b.rateLimits], perRoute };
}

type Built = Omit<CacheEntry, "key" | "id">;

interface CacheEntry {
  id: string;
  key: InputKey;
  encoded: Encoded;
  /** The service's route configurations, from which sidecars' shared ones are made. */
  routes: Record<string, Record<string, unknown>>;
  /** Its (Envoy) virtual hosts, protobuf-encoded, per port ("9080"), with and without the bare service name. */
  vhosts: Map<string, VirtualHostBytes[]>;
  /** A digest of those bytes: sidecars' shared route configurations are rebuilt when it changes. */
  vhostDigest: string;
  /** Per type, a digest of this service's resources: versions combine these. */
  digest: Record<TypeUrl, string>;
  /** Its clusters as Envoy gets them, where they differ from the shared (proxyless) ones. */
  envoyClusters: EncodedResource[];
  envoyDigest: string;
  /** Per pod ("<pod>.<namespace>"), the ports it serves for this service. */
  inbound: Map<string, InboundPort[]>;
}

interface VirtualHostBytes {
  namespace: string;
  /** The bare names among its domains ("reviews", "reviews:9080"). */
  shortNames: string[];
  full: Buffer;
  qualified: Buffer;
}

function routesPart(routes: EncodedResource[]): ProxyPart {
  const resources = Object.fromEntries(XDS_TYPES.map((t) => [t, t === TYPE.route ? routes : []])) as Record<TypeUrl, EncodedResource[]>;
  const digest = Object.fromEntries(XDS_TYPES.map((t) => [t, createHash("sha256").update(resources[t].map((r) => `${r.name}\0${r.hash}`).join("\0")).digest("hex")])) as Record<TypeUrl, string>;
  return { resources, digest };
}

function envoyPart(entries: CacheEntry[]): ProxyPart {
  const clusters = entries.flatMap((e) => e.envoyClusters);
  const resources = Object.fromEntries(XDS_TYPES.map((t) => [t, t === TYPE.cluster ? clusters : []])) as Record<TypeUrl, EncodedResource[]>;
  const envoy = createHash("sha256").update(entries.map((e) => e.envoyDigest).join("\0")).digest("hex");
  const digest = Object.fromEntries(XDS_TYPES.map((t) => [t, t === TYPE.cluster ? envoy : ""])) as Record<TypeUrl, string>;
  return { resources, digest };
}

function encodeVirtualHost(vh: Record<string, unknown>): Buffer {
  const type = messageType("type.googleapis.com/envoy.config.route.v3.VirtualHost");
  return Buffer.from(type.encode(type.fromObject(vh)).finish());
}

/**
 * A RouteConfiguration's bytes from its name and already-encoded virtual hosts.
 * In protobuf, a repeated message field is the concatenation of its elements,
 * each as tag, length, bytes; so the shared per-port configuration of a large
 * mesh is spliced from cached pieces instead of re-encoded on every change.
 * (name is field 1, virtual_hosts field 2 of envoy.config.route.v3.RouteConfiguration;
 * the round trip is tested.)
 */
export function spliceRouteConfiguration(name: string, vhosts: Buffer[]): Buffer {
  const type = messageType(TYPE.route);
  const head = Buffer.from(type.encode(type.fromObject({ name })).finish());
  const parts: Buffer[] = [head];
  for (const v of vhosts) parts.push(Buffer.from([0x12]), varint(v.length), v);
  return Buffer.concat(parts);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/**
 * What a service's resources depend on. Mesh objects are immutable once
 * published, so the same service and pod objects as last time are the same
 * input without looking inside; otherwise (a new registry snapshot) their
 * JSON is compared. Intents' JSON is compared too, computed once per intent
 * object.
 */
interface InputKey {
  service: object;
  endpoints: object[];
  json: string;
  intents: string;
}

function inputKey(input: ServiceInput): InputKey {
  return { service: input.service, endpoints: input.endpoints, json: "", intents: input.intents.map(jsonOf).join("\u0001") };
}

/** An intent's JSON, once per intent object (the runtime hands over the same object while its revision stands). */
const intentJson = new WeakMap<object, string>();
function jsonOf(o: object): string {
  let j = intentJson.get(o);
  if (j === undefined) intentJson.set(o, (j = JSON.stringify(o)));
  return j;
}

function sameInput(a: InputKey, b: InputKey): boolean {
  if (a.intents !== b.intents) return false;
  if (a.service === b.service && a.endpoints.length === b.endpoints.length && a.endpoints.every((e, i) => e === b.endpoints[i])) return true;
  return mesh(a) === mesh(b);
}

function mesh(k: InputKey): string {
  return (k.json ||= JSON.stringify([k.service, k.endpoints]));
}
