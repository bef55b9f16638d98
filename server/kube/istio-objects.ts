import { unifiedDiff } from "../diff";
import type { MeshSnapshot } from "../mesh/model";
import { toYamlDocument } from "../translate/yaml";
import { comparable } from "./apply";
import { type KubeClient, isKubeError } from "./client";
import { type IstioObject, type LiveFinding, checkIstioObjects } from "./checks";
import { explain } from "./explain";
import { FIELD_MANAGER, KINDS, MANAGED_BY } from "./kinds";
import type { KubeObject } from "./reflector";

/**
 * The Istio objects (and Slime's SmartLimiters) already in the cluster: who manages each, what
 * the checks find, and for Sextant's own whether the live object still is what Sextant generates.
 */
export interface ManagedBy {
  /** sextant: its label and its field manager. Otherwise the tool that owns it, or the field managers that wrote it. */
  by: "sextant" | "Argo CD" | "Flux" | "Helm" | "field managers" | "unknown";
  detail?: string;
}

export interface LiveObject {
  kind: string;
  namespace: string;
  name: string;
  managedBy: ManagedBy;
  findings: LiveFinding[];
  /** For objects Sextant owns or generates: in sync, drifted (someone else edited it), pending (Sextant's output changed since the apply), orphaned (no longer generated). */
  sync?: { state: "in sync" | "drifted" | "pending" | "orphaned"; diff: string; editedBy?: string[] };
  yaml: string;
  object: KubeObject;
}

export interface ClusterObjects {
  objects: LiveObject[];
  /** Generated objects not in the cluster yet. */
  notApplied: { kind: string; namespace: string; name: string }[];
  /** Kinds that could not be read, and why (e.g. Slime's CRD is not installed). */
  unavailable: { kind: string; reason: string }[];
}

const managers = (o: KubeObject) => ((o.metadata.managedFields ?? []) as { manager?: string; operation?: string }[]).map((m) => ({ manager: m.manager ?? "?", operation: m.operation ?? "?" }));

export function managedBy(o: KubeObject): ManagedBy {
  const labels = o.metadata.labels ?? {};
  const ann = o.metadata.annotations ?? {};
  const ms = managers(o);
  if (labels[MANAGED_BY] === FIELD_MANAGER && ms.some((m) => m.manager === FIELD_MANAGER)) return { by: "sextant" };
  if (ann["argocd.argoproj.io/tracking-id"]) return { by: "Argo CD", detail: `application ${ann["argocd.argoproj.io/tracking-id"].split(":")[0]}` };
  if (labels["argocd.argoproj.io/instance"]) return { by: "Argo CD", detail: `application ${labels["argocd.argoproj.io/instance"]}` };
  if (labels["kustomize.toolkit.fluxcd.io/name"]) return { by: "Flux", detail: `Kustomization ${labels["kustomize.toolkit.fluxcd.io/namespace"] ?? "?"}/${labels["kustomize.toolkit.fluxcd.io/name"]}` };
  if (labels["helm.toolkit.fluxcd.io/name"]) return { by: "Flux", detail: `HelmRelease ${labels["helm.toolkit.fluxcd.io/namespace"] ?? "?"}/${labels["helm.toolkit.fluxcd.io/name"]}` };
  if (labels[MANAGED_BY] === "Helm" || ann["meta.helm.sh/release-name"]) return { by: "Helm", detail: `release ${ann["meta.helm.sh/release-namespace"] ?? ""}${ann["meta.helm.sh/release-namespace"] ? "/" : ""}${ann["meta.helm.sh/release-name"] ?? labels["app.kubernetes.io/instance"] ?? "?"}` };
  if (ms.length) return { by: "field managers", detail: [...new Set(ms.map((m) => m.manager))].join(", ") + (labels[MANAGED_BY] === FIELD_MANAGER ? " (labelled as Sextant's, but Sextant did not write it)" : "") };
  return { by: "unknown" };
}

/** Reads every kind in each namespace (or the whole cluster) and checks them against each other and the mesh. */
export async function readClusterObjects(client: KubeClient, namespaces: string[] | undefined, mesh: MeshSnapshot, generated: { kind: string; namespace: string; name: string; object: unknown }[]): Promise<ClusterObjects> {
  const live: KubeObject[] = [];
  const unavailable: ClusterObjects["unavailable"] = [];
  for (const k of KINDS.filter((x) => x.kind !== "ConfigMap")) {
    const base = `/apis/${k.group}/${k.version}`;
    try {
      for (const ns of namespaces ?? [undefined]) {
        const list = await client.request<{ items: KubeObject[] }>({ path: `${base}${ns ? `/namespaces/${ns}` : ""}/${k.plural}` });
        for (const o of list.items) live.push({ ...o, apiVersion: o.apiVersion ?? `${k.group}/${k.version}`, kind: o.kind ?? k.kind });
      }
    } catch (e) {
      if (isKubeError(e)) unavailable.push({ kind: k.kind, reason: explain(e, { verb: "list", resource: k.plural, group: k.group }) });
      else throw e;
    }
  }
  const findings = checkIstioObjects(live as unknown as IstioObject[], mesh);
  const gen = new Map(generated.map((g) => [`${g.kind}/${g.namespace}/${g.name}`, g]));
  const objects = live
    .map((o): LiveObject => {
      const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
      const by = managedBy(o);
      const mine = gen.get(key);
      let sync: LiveObject["sync"];
      if (by.by === "sextant" || mine) {
        const liveYaml = toYamlDocument(comparable(o));
        const want = mine ? toYamlDocument(comparable(mine.object as KubeObject)) : "";
        const editedBy = [...new Set(managers(o).filter((m) => m.manager !== FIELD_MANAGER).map((m) => m.manager))];
        const diff = unifiedDiff(`${o.kind}/${o.metadata.name} (live)`, `${o.kind}/${o.metadata.name} (Sextant's)`, liveYaml, want);
        sync = !mine ? { state: "orphaned", diff } : !diff ? { state: "in sync", diff } : editedBy.length ? { state: "drifted", diff, editedBy } : { state: "pending", diff };
      }
      return { kind: o.kind!, namespace: o.metadata.namespace!, name: o.metadata.name, managedBy: by, findings: findings.get(key) ?? [], ...(sync ? { sync } : {}), yaml: toYamlDocument(comparable(o)), object: o };
    })
    .sort((a, b) => (`${a.namespace}/${a.kind}/${a.name}` < `${b.namespace}/${b.kind}/${b.name}` ? -1 : 1));
  const present = new Set(objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`));
  const notApplied = generated.filter((g) => g.kind !== "ConfigMap" && !present.has(`${g.kind}/${g.namespace}/${g.name}`) && (!namespaces || namespaces.includes(g.namespace))).map(({ kind, namespace, name }) => ({ kind, namespace, name }));
  return { objects, notApplied, unavailable };
}
