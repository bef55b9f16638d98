import { z } from "zod";
import { dnsLabel as dnsLabelOf } from "../mesh/names";
import { INT4_MAX, bodyInt, bodyRevision, queryInt } from "../http/inputs";
import type { RouteContext } from "../http/route";
import { INTENT_KINDS, intentDraftSchema } from "./schemas";
import { proxylessClients } from "../xds/status";
import { getIntent } from "../store/intents";
import type { Runtime } from "../runtime";
import { type ClientsOf, applyIntent, diffRevisions, intentHistory, listIntentViews, objectsInForce, previewIntent, rollbackIntent } from "./service";

/** Input schemas and handlers behind /api/intents and /api/objects. */
const dnsLabel = dnsLabelOf("must be a DNS label");
const revision = bodyRevision;

export const INTENT_BODY_LIMIT = 256 * 1024;

export const listIntentsQuery = z.strictObject({
  namespace: dnsLabel.optional(),
  target: dnsLabel.optional(),
  kind: z.enum(INTENT_KINDS, { error: `must be one of ${INTENT_KINDS.join(", ")}` }).optional(),
});
export const previewBody = z.strictObject({ intent: intentDraftSchema });
export const applyBody = z.strictObject({
  intent: intentDraftSchema,
  /** The revision the change is based on (0 for a new intent); a stale one is refused with 409. */
  expectedRevision: revision,
  message: z.string().max(500, "at most 500 characters").optional(),
});
export const intentIdParams = z.strictObject({ id: z.uuid({ error: "must be an intent id (UUID)" }) });
export const diffQuery = z.strictObject({ from: queryInt(1, INT4_MAX, "a revision number"), to: queryInt(1, INT4_MAX, "a revision number") });
export const rollbackBody = z.strictObject({ toRevision: bodyInt(1, INT4_MAX, "a revision number"), expectedRevision: bodyInt(1, INT4_MAX, "the revision you read"), message: z.string().max(500).optional() });

function clientsOf(rt: Runtime): ClientsOf {
  const byHost = rt.xds ? proxylessClients(rt.xds.dataplane.proxies()) : new Map<string, string[]>();
  return (hostname) => byHost.get(hostname) ?? [];
}

export async function serveListIntents(ctx: RouteContext, q: z.infer<typeof listIntentsQuery>) {
  if (q.namespace) ctx.requireRead(q.namespace);
  const rt = await ctx.runtime();
  return { intents: (await listIntentViews(rt.store.get().prisma, rt.registry.snapshot(), q, clientsOf(rt))).filter((i) => ctx.canRead(i.namespace)) };
}

export async function servePreview(ctx: RouteContext, b: z.infer<typeof previewBody>) {
  const rt = await ctx.runtime();
  return previewIntent(rt.store.get().prisma, rt.registry.snapshot(), b.intent, clientsOf(rt));
}

export async function serveApply(ctx: RouteContext, b: z.infer<typeof applyBody>) {
  ctx.requireNamespace(b.intent.namespace);
  const rt = await ctx.runtime();
  const { intent, preview } = await applyIntent(rt.store.get().prisma, rt.registry.snapshot(), b.intent, { expectedRevision: b.expectedRevision, author: ctx.user.name, message: b.message, clients: clientsOf(rt) });
  rt.xds?.controller.schedule(); // proxies get the change with the next (debounced) snapshot
  rt.kube?.autoApply?.trigger(); // and the cluster, where its namespace asks for auto-apply
  rt.gitops?.trigger(); // and Git targets with auto-export
  return { intent, yaml: preview.yaml, diff: preview.diff };
}

export async function serveHistory(ctx: RouteContext, p: z.infer<typeof intentIdParams>) {
  const rt = await ctx.runtime();
  ctx.requireRead((await getIntent(rt.store.get().prisma, p.id)).namespace);
  return intentHistory(rt.store.get().prisma, p.id);
}

export async function serveDiff(ctx: RouteContext, p: z.infer<typeof intentIdParams>, q: z.infer<typeof diffQuery>) {
  const rt = await ctx.runtime();
  ctx.requireRead((await getIntent(rt.store.get().prisma, p.id)).namespace);
  return diffRevisions(rt.store.get().prisma, p.id, q.from, q.to);
}

export async function serveRollback(ctx: RouteContext, p: z.infer<typeof intentIdParams>, b: z.infer<typeof rollbackBody>) {
  const rt = await ctx.runtime();
  ctx.requireNamespace((await getIntent(rt.store.get().prisma, p.id)).namespace);
  const { intent, preview } = await rollbackIntent(rt.store.get().prisma, rt.registry.snapshot(), p.id, b.toRevision, { expectedRevision: b.expectedRevision, author: ctx.user.name, message: b.message, clients: clientsOf(rt) });
  rt.xds?.controller.schedule();
  rt.kube?.autoApply?.trigger();
  rt.gitops?.trigger();
  return { intent, yaml: preview.yaml, diff: preview.diff };
}

/** Every object Sextant generates now: from the intents in force and the SmartLimiters' last evaluation. */
export async function generatedObjects(rt: Runtime) {
  const intents = await objectsInForce(rt.store.get().prisma, rt.registry.snapshot());
  // SmartLimiters' EnvoyFilters (and the rate limit service's ConfigMap) as last evaluated.
  const limits = rt.limiters.objects();
  return [...intents.objects, ...limits].sort((a, b) => (`${a.namespace}/${a.name}/${a.kind}` < `${b.namespace}/${b.name}/${b.kind}` ? -1 : 1));
}

export async function serveObjects(ctx: RouteContext) {
  const rt = await ctx.runtime();
  const objects = (await generatedObjects(rt)).filter((o) => ctx.canRead(o.namespace)).map(({ object: _o, ...rest }) => rest);
  return { objects, yaml: objects.map((o) => o.yaml).join("---\n") };
}
