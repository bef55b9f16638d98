import type { MeshRegistry } from "./registry";
import { type ServiceView, serviceViews } from "./subsets";

/** What the Services page shows: the mesh's services with subsets and endpoints. */
export interface ServiceList {
  revision: number;
  namespaces: string[];
  services: ServiceView[];
}

export function listServices(registry: MeshRegistry, filter: { namespaces?: string[] } = {}): ServiceList {
  const snapshot = registry.snapshot();
  const wanted = filter.namespaces?.length ? new Set(filter.namespaces) : undefined;
  return {
    revision: snapshot.revision,
    namespaces: snapshot.namespaces,
    services: serviceViews(snapshot).filter((s) => !wanted || wanted.has(s.namespace)),
  };
}
