import { createHash } from "node:crypto";
import { TYPE, messageType, toAny } from "./protos";
import { type ApiListenerSpec, type EnvoyResources, type ServiceInput, type SocketListenerSpec, buildServiceResources, serviceInputs, sidecarResources } from "./resources";
import type { IntentDraft } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";

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
}

export interface Snapshot {
  resources: Record<TypeUrl, Map<string, EncodedResource>>;
  versions: Record<TypeUrl, string>;
}

export class InconsistentSnapshotError extends Error {}

export function consistencyProblems(r: EnvoyResources): string[] {
  const problems: string[] = [];
  for (const l of Object.values(r.listeners)) {
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
  for (const name of Object.keys(r.clusters)) if (!r.endpoints[name]) problems.push(`EDS cluster ${name} has no load assignment`);
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
  if (l.socket) {
    const spec = l.socket as SocketListenerSpec;
    return {
      name: l.name,
      address: { socket_address: { address: "0.0.0.0", port_value: spec.port } },
      filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: hcm(spec.routeConfigName, `outbound_0.0.0.0_${spec.port}`) }] }],
      traffic_direction: "OUTBOUND",
    };
  }
  const spec = l.api_listener as ApiListenerSpec;
  return { name: l.name, api_listener: { api_listener: hcm(spec.routeConfigName) } };
}

type Encoded = Record<TypeUrl, EncodedResource[]>;

function encodeAll(r: EnvoyResources): Encoded {
  const pack = (type: TypeUrl, items: Record<string, Record<string, unknown>>, encode: (x: Record<string, unknown>) => Record<string, unknown> = (x) => x) =>
    Object.keys(items)
      .sort()
      .map((name) => {
        const any = toAny(type, encode(items[name]!));
        return { name, any, hash: createHash("sha256").update(any.value).digest("hex").slice(0, 16) };
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
  private shared: (CacheEntry & { key: string }) | undefined;

  build(mesh: MeshSnapshot, intents: IntentDraft[]): Snapshot {
    const next = new Map<string, CacheEntry>();
    for (const input of serviceInputs(mesh, intents)) {
      const id = `${input.service.namespace}/${input.service.name}`;
      const key = inputKey(input);
      const hit = this.cache.get(id);
      if (hit && hit.key === key) {
        next.set(id, hit);
        continue;
      }
      const plain = buildServiceResources(input);
      // A service's resources only name each other (its listener, route, clusters,
      // load assignments), so consistency is checked per service, when it is built.
      const problems = consistencyProblems(plain);
      if (problems.length) throw new InconsistentSnapshotError(`inconsistent snapshot: ${problems.join("; ")}`);
      const encoded = encodeAll(plain);
      const digest = Object.fromEntries(XDS_TYPES.map((t) => [t, createHash("sha256").update(encoded[t].map((r) => `${r.name}\0${r.hash}`).join("\0")).digest("hex")])) as Record<TypeUrl, string>;
      // Each virtual host encoded once, keyed by its port's shared route configuration name.
      const vhosts = new Map<string, Buffer[]>();
      for (const [name, rc] of Object.entries(plain.routes)) {
        const port = name.slice(name.lastIndexOf(":") + 1);
        vhosts.set(port, [...(vhosts.get(port) ?? []), ...(rc.virtual_hosts as Record<string, unknown>[]).map((vh) => encodeVirtualHost(vh))]);
      }
      next.set(id, { key, encoded, digest, routes: plain.routes, vhosts });
    }
    this.cache = next;
    // Sidecars' shared per-port listener and route configuration, rebuilt only when a service's routes changed.
    const sharedKey = [...next.values()].map((e) => e.digest[TYPE.route]).join(",");
    if (this.shared?.key !== sharedKey) {
      const plain = sidecarResources([...next.values()].map((e) => e.routes));
      // Listeners encode normally; the big per-port route configurations are spliced from
      // each service's cached virtual-host bytes (see spliceRouteConfiguration).
      const encoded = encodeAll({ listeners: plain.listeners, routes: {}, clusters: {}, endpoints: {} });
      for (const name of Object.keys(plain.routes).sort()) {
        const value = spliceRouteConfiguration(name, [...next.values()].flatMap((e) => e.vhosts.get(name) ?? []));
        encoded[TYPE.route].push({ name, any: { type_url: TYPE.route, value }, hash: createHash("sha256").update(value).digest("hex").slice(0, 16) });
      }
      const digest = Object.fromEntries(XDS_TYPES.map((t) => [t, createHash("sha256").update(encoded[t].map((r) => `${r.name}\0${r.hash}`).join("\0")).digest("hex")])) as Record<TypeUrl, string>;
      this.shared = { key: sharedKey, encoded, digest, routes: {}, vhosts: new Map() };
    }
    const entries: [string, CacheEntry][] = [...next, ["*sidecar", this.shared]];
    const resources = Object.fromEntries(XDS_TYPES.map((t) => [t, new Map<string, EncodedResource>()])) as Record<TypeUrl, Map<string, EncodedResource>>;
    const versions = {} as Record<TypeUrl, string>;
    for (const t of XDS_TYPES) {
      const h = createHash("sha256");
      for (const [id, e] of entries) {
        for (const r of e.encoded[t]) resources[t].set(r.name, r);
        h.update(id).update("\0").update(e.digest[t]).update("\0");
      }
      versions[t] = h.digest("hex").slice(0, 16);
    }
    return { resources, versions };
  }
}

interface CacheEntry {
  key: string;
  encoded: Encoded;
  /** The service's route configurations, from which sidecars' shared ones are made. */
  routes: Record<string, Record<string, unknown>>;
  /** Its virtual hosts, protobuf-encoded, per port ("9080"). */
  vhosts: Map<string, Buffer[]>;
  /** Per type, a digest of this service's resources: versions combine these. */
  digest: Record<TypeUrl, string>;
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

function inputKey(input: ServiceInput): string {
  return JSON.stringify([input.service, input.endpoints, input.intents]);
}
