import { createHash } from "node:crypto";
import { TYPE, toAny } from "./protos";
import type { ApiListenerSpec, EnvoyResources } from "./resources";

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
    for (const vh of rc.virtual_hosts as { name: string; routes: { route: { cluster?: string; weighted_clusters?: { clusters: { name: string }[] } } }[] }[]) {
      for (const route of vh.routes) {
        const names = route.route.cluster ? [route.route.cluster] : (route.route.weighted_clusters?.clusters ?? []).map((c) => c.name);
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
    http_filters: [{ name: "envoy.filters.http.router", typed_config: toAny(TYPE.router, {}) }],
  });
  return { name: l.name, api_listener: { api_listener: hcm } };
}

export function buildSnapshot(r: EnvoyResources): Snapshot {
  const problems = consistencyProblems(r);
  if (problems.length) throw new InconsistentSnapshotError(`inconsistent snapshot: ${problems.join("; ")}`);
  const pack = (type: TypeUrl, items: Record<string, Record<string, unknown>>, encode: (x: Record<string, unknown>) => Record<string, unknown> = (x) => x) => {
    const m = new Map<string, EncodedResource>();
    for (const name of Object.keys(items).sort()) {
      const any = toAny(type, encode(items[name]!));
      m.set(name, { name, any, hash: createHash("sha256").update(any.value).digest("hex").slice(0, 16) });
    }
    return m;
  };
  const resources = {
    [TYPE.listener]: pack(TYPE.listener, r.listeners, encodeListener),
    [TYPE.route]: pack(TYPE.route, r.routes),
    [TYPE.cluster]: pack(TYPE.cluster, r.clusters),
    [TYPE.endpoint]: pack(TYPE.endpoint, r.endpoints),
  } as Record<TypeUrl, Map<string, EncodedResource>>;
  const versions = {} as Record<TypeUrl, string>;
  for (const t of XDS_TYPES) {
    const h = createHash("sha256");
    for (const res of resources[t].values()) h.update(res.name).update("\0").update(res.any.value).update("\0");
    versions[t] = h.digest("hex").slice(0, 16);
  }
  return { resources, versions };
}
