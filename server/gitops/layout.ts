import { toYamlDocument } from "../translate/yaml";

/**
 * The objects in force as a directory a GitOps tool reads (pure):
 *   <namespace>/<kind>-<name>.yaml     one object per file, kind lower-case
 *   <namespace>/kustomization.yaml     lists the namespace's files
 *   kustomization.yaml                 lists the namespaces
 * every list sorted, so the same state always gives the same bytes. Each object carries
 * `app.kubernetes.io/managed-by: sextant` and `sextant.io/source` naming what it came from
 * (its intents and their revisions, or its SmartLimiter).
 */
export const SOURCE_ANNOTATION = "sextant.io/source";
export const MANAGED_BY = "app.kubernetes.io/managed-by";

export interface ExportObject {
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;
  /** e.g. "intent traffic-shift r3, intent fault-injection r1" or "smartlimiter reviews r2". */
  source: string;
}

/** Path -> file content, sorted by path. */
export type Tree = Map<string, string>;

export const fileName = (o: { kind: string; metadata: { name: string } }) => `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;

const kustomization = (resources: string[]) => toYamlDocument({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources });

export function exportTree(objects: ExportObject[]): Tree {
  const files: [string, string][] = [];
  const byNs = new Map<string, string[]>();
  for (const { object: o, source } of objects) {
    const ns = o.metadata.namespace;
    const withMeta = {
      ...o,
      metadata: {
        ...o.metadata,
        labels: sortKeys({ ...(o.metadata.labels ?? {}), [MANAGED_BY]: "sextant" }),
        annotations: sortKeys({ ...(o.metadata.annotations ?? {}), [SOURCE_ANNOTATION]: source }),
      },
    };
    const name = fileName(o);
    files.push([`${ns}/${name}`, toYamlDocument(withMeta)]);
    byNs.set(ns, [...(byNs.get(ns) ?? []), name]);
  }
  for (const [ns, names] of byNs) files.push([`${ns}/kustomization.yaml`, kustomization([...new Set(names)].sort())]);
  if (byNs.size) files.push(["kustomization.yaml", kustomization([...byNs.keys()].sort())]);
  return new Map(files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sortKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}

/** All of the tree's objects as one multi-document YAML stream (kustomizations left out). */
export function multiDocument(tree: Tree): string {
  return [...tree].filter(([p]) => !p.endsWith("kustomization.yaml")).map(([, text]) => text).join("---\n");
}
