import { type MeshSnapshot, selects } from "../mesh/model";
import { LOCAL_RATE_LIMIT } from "./envoyfilter";

/**
 * One local rate limit HTTP filter per workload, as Slime does it: each limiter's EnvoyFilter
 * inserts envoy.filters.http.local_ratelimit into the listener's filter chain, so two limiters
 * selecting the same pods would insert it twice (two filters, each counting every request that
 * reaches a limited route). Per namespace and context, the broadest selector (fewest labels, then
 * name) keeps its insert; an EnvoyFilter whose pods are all already covered drops its own and
 * keeps only its per-route configuration. Pure.
 */
type Patch = { applyTo?: string; match?: { context?: string }; patch?: { operation?: string; value?: { name?: string } } };
type Filter = { metadata: { name: string; namespace: string }; spec: { workloadSelector?: { labels?: Record<string, string> }; configPatches: Patch[] } };

const isLocalInsert = (p: Patch) => p.applyTo === "HTTP_FILTER" && p.patch?.operation === "INSERT_BEFORE" && p.patch.value?.name === LOCAL_RATE_LIMIT;

export function oneLocalFilterPerWorkload<T extends Filter>(filters: T[], mesh: MeshSnapshot): T[] {
  const covered = new Map<string, Set<string>>();
  const order = [...filters].sort((a, b) => {
    const la = Object.keys(a.spec.workloadSelector?.labels ?? {}).length;
    const lb = Object.keys(b.spec.workloadSelector?.labels ?? {}).length;
    return la - lb || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
  });
  const drop = new Map<T, Set<string>>();
  for (const f of order) {
    const selector = f.spec.workloadSelector?.labels ?? {};
    const pods = mesh.endpoints.filter((e) => e.namespace === f.metadata.namespace && selects(selector, e.labels)).map((e) => e.pod);
    for (const p of f.spec.configPatches.filter(isLocalInsert)) {
      const key = `${f.metadata.namespace}|${p.match?.context ?? ""}`;
      const seen = covered.get(key) ?? covered.set(key, new Set()).get(key)!;
      if (pods.length > 0 && pods.every((pod) => seen.has(pod))) (drop.get(f) ?? drop.set(f, new Set()).get(f)!).add(p.match?.context ?? "");
      else pods.forEach((pod) => seen.add(pod));
    }
  }
  return filters.map((f) => {
    const contexts = drop.get(f);
    if (!contexts) return f;
    return { ...f, spec: { ...f.spec, configPatches: f.spec.configPatches.filter((p) => !(isLocalInsert(p) && contexts.has(p.match?.context ?? ""))) } };
  });
}
