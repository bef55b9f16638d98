import { createHash } from "node:crypto";
import { TYPE, toAny } from "./protos";
import { type ApiListenerSpec, type EnvoyResources, type ServiceInput, buildServiceResources, serviceInputs } from "./resources";
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
    const rc = (l.api_listener as ApiListenerSpec).routeConfigName;
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

function encodeListener(l: Record<string, unknown>): Record<string, unknown> {
  const spec = l.api_listener as ApiListenerSpec;
  const hcm = toAny(TYPE.hcm, {
    rds: { route_config_name: spec.routeConfigName, config_source: { ads: {}, resource_api_version: "V3" } },
    // The fault filter does nothing unless a route configures it (typed_per_filter_config).
    http_filters: [
      { name: "envoy.filters.http.fault", typed_config: toAny(TYPE.fault, {}) },
      { name: "envoy.filters.http.router", typed_config: toAny(TYPE.router, {}) },
    ],
  });
  return { name: l.name, api_listener: { api_listener: hcm } };
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
      next.set(id, { key, encoded, digest });
    }
    this.cache = next;
    const resources = Object.fromEntries(XDS_TYPES.map((t) => [t, new Map<string, EncodedResource>()])) as Record<TypeUrl, Map<string, EncodedResource>>;
    const versions = {} as Record<TypeUrl, string>;
    for (const t of XDS_TYPES) {
      const h = createHash("sha256");
      for (const [id, e] of next) {
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
  /** Per type, a digest of this service's resources: versions combine these. */
  digest: Record<TypeUrl, string>;
}

function inputKey(input: ServiceInput): string {
  return JSON.stringify([input.service, input.endpoints, input.intents]);
}
