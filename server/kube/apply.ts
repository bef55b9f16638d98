import { createHash } from "node:crypto";
import { unifiedDiff } from "../diff";
import { ConflictError } from "../errors";
import { sortedKeys, toYamlDocument } from "../translate/yaml";
import { type KubeClient, type KubeError, isKubeError } from "./client";
import { explain } from "./explain";
import { FIELD_MANAGER, MANAGED_BY, WRITTEN_KINDS, collectionPath, kindInfo, objectPath } from "./kinds";
import type { KubeObject } from "./reflector";

/**
 * Applying generated objects to a cluster, as an operator would want it done:
 *  - plan: for each object, the live object and a server-side dry-run (`dryRun=All`) of exactly
 *    the apply request that would follow, and the diff between the two; objects whose dry-run
 *    equals the live object are unchanged and not sent; objects Sextant applied before and no
 *    longer generates are pruned (only if its field manager wrote them);
 *  - apply: the same requests for real, only if the cluster still matches the plan the operator
 *    saw (else 409 with a fresh plan to review); a conflict with another field manager is refused
 *    naming it, unless the operator forces; the first failure stops the batch and the answer
 *    says what was applied, what failed (explained) and what was not attempted.
 */
export type Desired = { apiVersion: string; kind: string; metadata: { name: string; namespace: string; labels?: Record<string, string> } } & Record<string, unknown>;

export interface PlanItem {
  kind: string;
  namespace: string;
  name: string;
  action: "create" | "update" | "unchanged" | "prune" | "conflict" | "error";
  /** Unified diff from the live object to what the server would store (YAML). */
  diff: string;
  /** For conflicts: who owns which fields. */
  conflict?: { managers: string[]; fields: string[] };
  error?: string;
  liveResourceVersion?: string;
}

export interface Plan {
  items: PlanItem[];
  /** Changes when the objects, the cluster or the choice to force change: apply refuses a stale plan. */
  fingerprint: string;
  force: boolean;
}

export interface ApplyResult extends PlanItem {
  outcome: "applied" | "pruned" | "unchanged" | "failed" | "not attempted" | "refused";
}

/** Fields the server adds that an operator does not write: left out of diffs and comparisons. */
export function comparable(o: KubeObject | Desired | undefined): Record<string, unknown> | undefined {
  if (!o) return undefined;
  const { status: _s, ...rest } = o as Record<string, unknown>;
  const md = { ...((o.metadata ?? {}) as Record<string, unknown>) };
  for (const k of ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"]) delete md[k];
  const ann = { ...((md.annotations as Record<string, string> | undefined) ?? {}) };
  delete ann["kubectl.kubernetes.io/last-applied-configuration"];
  if (Object.keys(ann).length) md.annotations = ann;
  else delete md.annotations;
  return sortedKeys({ ...rest, metadata: md }) as Record<string, unknown>;
}

const yaml = (o: unknown) => (o ? toYamlDocument(o) : "");
const target = (d: { kind: string; metadata: { namespace: string; name: string } }, verb: string) => {
  const k = kindInfo(d.kind);
  return { verb, resource: k.plural, group: k.group, namespace: d.metadata.namespace, name: d.metadata.name };
};

async function get(client: KubeClient, d: { kind: string; metadata: { namespace: string; name: string } }): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>({ path: objectPath(kindInfo(d.kind), d.metadata.namespace, d.metadata.name) });
  } catch (e) {
    if (isKubeError(e) && e.status === 404 && e.reason === "NotFound") return undefined;
    throw e;
  }
}

function ssa(client: KubeClient, d: Desired, opts: { dryRun: boolean; force: boolean }): Promise<KubeObject> {
  return client.request<KubeObject>({
    method: "PATCH",
    path: objectPath(kindInfo(d.kind), d.metadata.namespace, d.metadata.name),
    query: { fieldManager: FIELD_MANAGER, ...(opts.force ? { force: "true" } : {}), ...(opts.dryRun ? { dryRun: "All" } : {}) },
    contentType: "application/apply-patch+yaml",
    // JSON is YAML: the server reads it as the apply configuration.
    body: JSON.stringify(d),
  });
}

/** Objects of the kinds Sextant writes, labelled as its own, that its field manager applied. */
async function ownedObjects(client: KubeClient, namespaces: string[]): Promise<{ kind: string; obj: KubeObject }[]> {
  const out: { kind: string; obj: KubeObject }[] = [];
  for (const ns of namespaces) {
    for (const kind of WRITTEN_KINDS) {
      try {
        const list = await client.request<{ items: KubeObject[] }>({ path: collectionPath(kindInfo(kind), ns), query: { labelSelector: `${MANAGED_BY}=${FIELD_MANAGER}` } });
        for (const obj of list.items) {
          const mine = ((obj.metadata.managedFields ?? []) as { manager?: string; operation?: string }[]).some((m) => m.manager === FIELD_MANAGER && m.operation === "Apply");
          if (mine) out.push({ kind, obj });
        }
      } catch (e) {
        // A kind whose CRD is not installed has nothing to prune.
        if (isKubeError(e) && e.status === 404) continue;
        throw e;
      }
    }
  }
  return out;
}

export async function planApply(client: KubeClient, desired: Desired[], opts: { namespaces: string[]; force?: boolean }): Promise<Plan> {
  const force = opts.force ?? false;
  const items: PlanItem[] = [];
  const sorted = [...desired].sort((a, b) => (`${a.metadata.namespace}/${a.kind}/${a.metadata.name}` < `${b.metadata.namespace}/${b.kind}/${b.metadata.name}` ? -1 : 1));
  for (const d of sorted) {
    const base = { kind: d.kind, namespace: d.metadata.namespace, name: d.metadata.name };
    let live: KubeObject | undefined;
    try {
      live = await get(client, d);
      const result = await ssa(client, d, { dryRun: true, force });
      const before = yaml(comparable(live));
      const after = yaml(comparable(result));
      items.push({ ...base, action: !live ? "create" : before === after ? "unchanged" : "update", diff: unifiedDiff(`${d.kind}/${d.metadata.name} (live)`, `${d.kind}/${d.metadata.name} (after apply)`, before, after), ...(live?.metadata.resourceVersion ? { liveResourceVersion: live.metadata.resourceVersion } : {}) });
    } catch (e) {
      const conflict = isKubeError(e) && e.status === 409 && e.causes.some((c) => c.reason === "FieldManagerConflict");
      items.push({
        ...base,
        action: conflict ? "conflict" : "error",
        diff: conflict ? unifiedDiff(`${d.kind}/${d.metadata.name} (live)`, `${d.kind}/${d.metadata.name} (Sextant's)`, yaml(comparable(live)), yaml(comparable(d))) : "",
        ...(conflict ? { conflict: { managers: [...new Set((e as KubeError).causes.map((c) => /conflict with "([^"]+)"/.exec(c.message ?? "")?.[1] ?? "?"))], fields: (e as KubeError).causes.map((c) => c.field ?? "") } } : {}),
        error: explain(e, target(d, "patch")),
        ...(live?.metadata.resourceVersion ? { liveResourceVersion: live.metadata.resourceVersion } : {}),
      });
    }
  }
  const wanted = new Set(desired.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`));
  try {
    for (const { kind, obj } of await ownedObjects(client, opts.namespaces)) {
      if (wanted.has(`${kind}/${obj.metadata.namespace}/${obj.metadata.name}`)) continue;
      items.push({ kind, namespace: obj.metadata.namespace!, name: obj.metadata.name, action: "prune", diff: unifiedDiff(`${kind}/${obj.metadata.name} (live)`, "(deleted)", yaml(comparable(obj)), ""), liveResourceVersion: obj.metadata.resourceVersion! });
    }
  } catch (e) {
    items.push({ kind: "(prune)", namespace: opts.namespaces.join(","), name: "", action: "error", diff: "", error: `objects to prune could not be listed: ${explain(e, { verb: "list", resource: "virtualservices", group: "networking.istio.io" })}` });
  }
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ desired: sorted, force, live: items.map((i) => [i.kind, i.namespace, i.name, i.action, i.liveResourceVersion ?? ""]) }))
    .digest("hex")
    .slice(0, 16);
  return { items, fingerprint, force };
}

/** Applies a plan the operator saw (by its fingerprint); refuses if the cluster or the objects changed since. */
export async function executeApply(client: KubeClient, desired: Desired[], opts: { namespaces: string[]; force?: boolean; fingerprint: string }): Promise<{ plan: Plan; results: ApplyResult[] }> {
  const plan = await planApply(client, desired, opts);
  if (plan.fingerprint !== opts.fingerprint) throw new StalePlanError(plan);
  const byKey = new Map(desired.map((d) => [`${d.kind}/${d.metadata.namespace}/${d.metadata.name}`, d]));
  const results: ApplyResult[] = [];
  let stopped = false;
  for (const item of plan.items) {
    if (stopped) {
      results.push({ ...item, outcome: "not attempted" });
      continue;
    }
    if (item.action === "unchanged") {
      results.push({ ...item, outcome: "unchanged" });
      continue;
    }
    if (item.action === "error" || (item.action === "conflict" && !plan.force)) {
      results.push({ ...item, outcome: "refused" });
      continue;
    }
    try {
      if (item.action === "prune") {
        const k = kindInfo(item.kind);
        await client.request({ method: "DELETE", path: objectPath(k, item.namespace, item.name), contentType: "application/json", body: JSON.stringify({ preconditions: { resourceVersion: item.liveResourceVersion } }) });
        results.push({ ...item, outcome: "pruned" });
      } else {
        await ssa(client, byKey.get(`${item.kind}/${item.namespace}/${item.name}`)!, { dryRun: false, force: plan.force });
        results.push({ ...item, outcome: "applied" });
      }
    } catch (e) {
      results.push({ ...item, outcome: "failed", error: explain(e, { ...target({ kind: item.kind, metadata: { namespace: item.namespace, name: item.name } }, item.action === "prune" ? "delete" : "patch") }) });
      stopped = true;
    }
  }
  return { plan, results };
}

export class StalePlanError extends ConflictError {
  constructor(readonly plan: Plan) {
    super("the cluster or the generated objects changed since this preview; review the new preview before applying");
  }
}
