import type { MeshSnapshot } from "./model";

/**
 * Lookups over one mesh snapshot: services by namespace/name, pods by
 * namespace and by namespace/app label (most selectors are {app: x}, so most
 * lookups look at one app's pods, not the namespace's). A published snapshot
 * is immutable, so each is indexed once.
 */
export interface MeshIndex {
  services: Map<string, MeshSnapshot["services"][number]>;
  byNs: Map<string, MeshSnapshot["endpoints"]>;
  byApp: Map<string, MeshSnapshot["endpoints"]>;
}

const indexes = new WeakMap<MeshSnapshot, MeshIndex>();

export function meshIndex(mesh: MeshSnapshot): MeshIndex {
  let ix = indexes.get(mesh);
  if (!ix) {
    ix = { services: new Map(mesh.services.map((s) => [`${s.namespace}/${s.name}`, s])), byNs: new Map(), byApp: new Map() };
    for (const e of mesh.endpoints) {
      (ix.byNs.get(e.namespace) ?? ix.byNs.set(e.namespace, []).get(e.namespace)!).push(e);
      const k = `${e.namespace}/${e.labels.app ?? ""}`;
      (ix.byApp.get(k) ?? ix.byApp.set(k, []).get(k)!).push(e);
    }
    indexes.set(mesh, ix);
  }
  return ix;
}

/** The pods of a namespace a selector could pick (filter them with `selects`). */
export function candidatePods(mesh: MeshSnapshot, namespace: string, selector: Record<string, string>): MeshSnapshot["endpoints"] {
  const ix = meshIndex(mesh);
  return selector.app !== undefined ? (ix.byApp.get(`${namespace}/${selector.app}`) ?? []) : (ix.byNs.get(namespace) ?? []);
}
