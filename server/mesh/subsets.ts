import { type Endpoint, type MeshSnapshot, type Service, type Workload, VERSION_LABEL, selects } from "./model";

/**
 * Subsets as Istio's DestinationRules name them: the pods of one service
 * grouped by their `version` label. Pure: a snapshot in, views out, always in
 * the same order (namespace, name, subset) so output is stable.
 */
export interface Subset {
  /** The subset name, equal to the version label value (e.g. "v2"). */
  name: string;
  labels: Record<string, string>;
  workloads: string[];
  endpoints: Endpoint[];
}

export interface ServiceView extends Service {
  subsets: Subset[];
  /** Endpoints with no version label: reachable, but in no subset. */
  unversionedEndpoints: Endpoint[];
  workloads: Workload[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function serviceEndpoints(service: Service, endpoints: Endpoint[]): Endpoint[] {
  return endpoints
    .filter((e) => e.namespace === service.namespace && selects(service.selector, e.labels))
    .sort((a, b) => byText(a.pod, b.pod));
}

export function subsetsOf(service: Service, endpoints: Endpoint[]): { subsets: Subset[]; unversioned: Endpoint[] } {
  const groups = new Map<string, Endpoint[]>();
  const unversioned: Endpoint[] = [];
  for (const e of serviceEndpoints(service, endpoints)) {
    const version = e.labels[VERSION_LABEL];
    if (!version) {
      unversioned.push(e);
      continue;
    }
    const list = groups.get(version) ?? [];
    list.push(e);
    groups.set(version, list);
  }
  const subsets = [...groups.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([name, eps]) => ({
      name,
      labels: { [VERSION_LABEL]: name },
      workloads: [...new Set(eps.map((e) => e.workload))].sort(byText),
      endpoints: eps,
    }));
  return { subsets, unversioned };
}

export function serviceViews(snapshot: MeshSnapshot): ServiceView[] {
  return [...snapshot.services]
    .sort((a, b) => byText(a.namespace, b.namespace) || byText(a.name, b.name))
    .map((service) => {
      const { subsets, unversioned } = subsetsOf(service, snapshot.endpoints);
      const names = new Set([...subsets.flatMap((s) => s.workloads), ...unversioned.map((e) => e.workload)]);
      const workloads = snapshot.workloads
        .filter((w) => w.namespace === service.namespace && (names.has(w.name) || selects(service.selector, w.labels)))
        .sort((a, b) => byText(a.name, b.name));
      return { ...service, subsets, unversionedEndpoints: unversioned, workloads };
    });
}
