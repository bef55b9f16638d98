import { z } from "zod";
import { dnsLabel as dnsLabelOf, objectName } from "../mesh/names";
import { InvalidError, UnavailableError } from "../errors";
import { Reply, type RouteContext } from "../http/route";
import { generatedObjects } from "../intents/api";
import { audited } from "../store/audit";
import { applyIntent } from "../intents/service";
import { listIntents } from "../store/intents";
import { autoApplyNamespaces, setAutoApply } from "../store/settings";
import { adoptVirtualService } from "./adopt";
import { importSmartLimiters } from "./import-limiters";
import { explain } from "./explain";
import { readClusterObjects } from "./istio-objects";
import { kindInfo, objectPath } from "./kinds";
import type { KubeObject } from "./reflector";
import type { Runtime } from "../runtime";
import { type Desired, StalePlanError, executeApply, planApply } from "./apply";
import type { KubeClient } from "./client";

/** Input schemas and handlers behind /api/cluster: the configured cluster, apply preview and apply. */
const dnsLabel = dnsLabelOf("must be a namespace name (a DNS label)");

export const planBody = z.strictObject({
  /** Only these namespaces' objects (default: every namespace Sextant generates objects for). */
  namespaces: z.array(dnsLabel).max(200, "at most 200 namespaces").optional(),
  /** Take fields over from other field managers. */
  force: z.boolean({ error: "must be true or false" }).optional(),
});
export const applyClusterBody = planBody.extend({
  /** The preview's fingerprint: the apply is refused if the cluster or the objects changed since. */
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/, "must be the fingerprint of a preview (16 hex digits)"),
});

function clusterOf(rt: Runtime): KubeClient {
  if (!rt.kube) throw new UnavailableError("kubernetes", "no cluster is configured: set KUBECONFIG (and SEXTANT_KUBE_CONTEXT) or run Sextant in the cluster");
  if (!rt.kube.client) throw new UnavailableError("kubernetes", rt.kube.error ?? "the cluster is not connected yet");
  return rt.kube.client;
}

async function desiredIn(rt: Runtime, namespaces: string[] | undefined): Promise<{ desired: Desired[]; namespaces: string[] }> {
  const all = (await generatedObjects(rt)).map((o) => o.object as Desired);
  const wanted = namespaces?.length ? new Set(namespaces) : undefined;
  const desired = all.filter((o) => !wanted || wanted.has(o.metadata.namespace));
  // Pruning looks in the namespaces asked for, else in every namespace with generated objects or watched services.
  const scope = namespaces?.length ? namespaces : [...new Set([...desired.map((d) => d.metadata.namespace), ...(rt.config.kube?.namespaces ?? rt.registry.snapshot().namespaces)])].sort();
  return { desired, namespaces: scope };
}

export async function serveCluster(ctx: RouteContext) {
  const rt = await ctx.runtime();
  if (!rt.config.kube) return { configured: false as const };
  const db = rt.store.get().prisma;
  const autoApply = { namespaces: [...(await autoApplyNamespaces(db))].sort(), intents: (await rt.kube!.autoApply?.stateOf()) ?? {}, lastRun: rt.kube!.autoApply?.lastRun ?? null };
  return { configured: true as const, ...rt.kube!.status(), namespaces: rt.config.kube.namespaces ?? null, namespaceSelector: rt.config.kube.namespaceSelector ?? null, meshNamespaces: rt.registry.snapshot().namespaces, lastApply: rt.kube!.lastApply ?? null, autoApply };
}

export async function servePlan(ctx: RouteContext, b: z.infer<typeof planBody>) {
  const rt = await ctx.runtime();
  const client = clusterOf(rt);
  const { desired, namespaces } = await desiredIn(rt, ctx.readScope(b.namespaces));
  return planApply(client, desired, { namespaces, force: b.force ?? false });
}

export async function serveApplyCluster(ctx: RouteContext, b: z.infer<typeof applyClusterBody>) {
  const rt = await ctx.runtime();
  const client = clusterOf(rt);
  const { desired, namespaces } = await desiredIn(rt, b.namespaces);
  for (const ns of namespaces) ctx.requireNamespace(ns);
  try {
    const { plan, results } = await executeApply(client, desired, { namespaces, force: b.force ?? false, fingerprint: b.fingerprint });
    const summary = { at: new Date().toISOString(), applied: results.filter((r) => r.outcome === "applied").length, pruned: results.filter((r) => r.outcome === "pruned").length, failed: results.filter((r) => r.outcome === "failed" || r.outcome === "refused").length };
    rt.kube!.lastApply = summary;
    ctx.log.info("applied to the cluster", { ...summary, force: plan.force });
    // A change made in the cluster, not in the database: its entry is written once the cluster answered.
    const changed = results.filter((r) => r.outcome === "applied" || r.outcome === "pruned");
    if (changed.length) await rt.store.get().prisma.$transaction((tx) => audited(tx, { action: "cluster.apply", resource: `namespaces ${namespaces.join(", ")}`, details: { force: plan.force, results: changed } }));
    return { fingerprint: plan.fingerprint, results, summary };
  } catch (e) {
    if (e instanceof StalePlanError) return new Reply(409, { error: { code: "conflict", message: e.message, issues: [] }, requestId: ctx.requestId, plan: e.plan });
    throw e;
  }
}

export const objectRef = z.strictObject({
  kind: z.enum(["VirtualService"], { error: "only a VirtualService can be adopted" }),
  namespace: dnsLabel,
  name: objectName("must be an object name"),
});

/** GET /api/cluster/objects: Istio objects in the cluster with checks, who manages them and drift. */
export async function serveClusterObjects(ctx: RouteContext) {
  const rt = await ctx.runtime();
  const client = clusterOf(rt);
  const generated = (await generatedObjects(rt)).map(({ kind, namespace, name, object }) => ({ kind, namespace, name, object }));
  const r = await readClusterObjects(client, rt.config.kube?.namespaces, rt.registry.snapshot(), generated);
  return { ...r, objects: r.objects.filter((o) => ctx.canRead(o.namespace)).map(({ object: _o, ...rest }) => rest) };
}

/** POST /api/cluster/adopt: the live object (edited in the cluster) becomes a new revision of its intent. */
export async function serveAdopt(ctx: RouteContext, b: z.infer<typeof objectRef>) {
  ctx.requireNamespace(b.namespace);
  const rt = await ctx.runtime();
  const client = clusterOf(rt);
  const live = await client.request<KubeObject>({ path: objectPath(kindInfo(b.kind), b.namespace, b.name) }).catch((e: unknown) => {
    throw new InvalidError(explain(e, { verb: "get", resource: "virtualservices", group: "networking.istio.io", namespace: b.namespace, name: b.name }));
  });
  const r = adoptVirtualService(live as never);
  if (!r.ok) throw new InvalidError(`${b.kind} ${b.namespace}/${b.name} cannot be adopted: ${r.reason}`);
  const db = rt.store.get().prisma;
  const current = (await listIntents(db, { namespace: r.draft.namespace, target: r.draft.target, kind: r.draft.kind }))[0];
  const { intent } = await applyIntent(db, rt.registry.snapshot(), r.draft, { expectedRevision: current?.revision ?? 0, author: ctx.user.name, message: `adopted from the cluster (${b.kind} ${b.namespace}/${b.name} as edited there)`, clients: () => [] });
  rt.xds?.controller.schedule();
  return { intent };
}

/** POST /api/cluster/import-limiters: the cluster's SmartLimiters become Sextant's (taking over from Slime). */
export async function serveImportLimiters(ctx: RouteContext) {
  const rt = await ctx.runtime();
  const client = clusterOf(rt);
  return importSmartLimiters(client, rt.store.get().prisma, rt.config.kube?.namespaces, ctx.user.name, (l) => rt.limiters.evaluateOne(l));
}

export const settingsBody = z.strictObject({
  namespace: dnsLabel,
  autoApply: z.boolean({ error: "must be true or false" }),
});

/** PUT /api/cluster/settings: turn auto-apply on or off for a namespace. */
export async function serveClusterSettings(ctx: RouteContext, b: z.infer<typeof settingsBody>) {
  const rt = await ctx.runtime();
  clusterOf(rt);
  await setAutoApply(rt.store.get().prisma, b.namespace, b.autoApply, ctx.user.name);
  ctx.log.info("auto-apply changed", { namespace: b.namespace, autoApply: b.autoApply });
  if (b.autoApply) rt.kube!.autoApply?.trigger();
  return { namespace: b.namespace, autoApply: b.autoApply };
}
