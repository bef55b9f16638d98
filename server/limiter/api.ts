import { z } from "zod";
import { INT4_MAX, bodyRevision, queryInt } from "../http/inputs";
import type { RouteContext } from "../http/route";
import { applyLimiter, exportYaml, getLimiter, limiterRecords, previewLimiter, readLimiterNoting, removeLimiter } from "./service";
import { type LimiterStatus, diffOf } from "./controller";
import { enforcingProxies, refusedPerMinute } from "./enforcement";

/** Input schemas and handlers behind /api/limiters. */
const revision = bodyRevision;
export const LIMITER_BODY_LIMIT = 256 * 1024;

/** A SmartLimiter as YAML text (import) or as an object (the form): exactly one of them. */
const source = {
  yaml: z.string().max(LIMITER_BODY_LIMIT, "is too long").optional(),
  limiter: z.unknown().optional(),
};
const oneSource = (b: { yaml?: string; limiter?: unknown }) => (b.yaml === undefined) !== (b.limiter === undefined);
const oneSourceError = { message: "give either yaml (SmartLimiter YAML) or limiter (the object), not both or neither", path: ["yaml"] };

export const previewLimiterBody = z.strictObject(source).refine(oneSource, oneSourceError);
export const applyLimiterBody = z
  .strictObject({ ...source, expectedRevision: revision, message: z.string().max(500, "at most 500 characters").optional() })
  .refine(oneSource, oneSourceError);
export const limiterIdParams = z.strictObject({ id: z.uuid({ error: "must be a SmartLimiter id (UUID)" }) });
export const deleteLimiterQuery = z.strictObject({ expectedRevision: queryInt(1, INT4_MAX, "the revision you read") });

export async function serveListLimiters(ctx: RouteContext) {
  const rt = await ctx.runtime();
  const records = (await limiterRecords(rt.store.get().prisma)).filter((r) => ctx.canRead(r.limiter.metadata.namespace));
  const status = new Map(rt.limiters.status().map((s) => [s.id, s]));
  const mesh = rt.registry.snapshot();
  const proxies = rt.xds?.dataplane.proxies() ?? [];
  const now = new Date();
  // Refused counts come from the traffic source; one that cannot answer leaves them unknown (null), not the list failed.
  const refused = await Promise.all(records.map((r) => refusedPerMinute(r.limiter, mesh, rt.traffic, now).catch(() => null)));
  return {
    intervalSeconds: rt.config.limiter.intervalSeconds,
    lastCycle: rt.limiters.lastCycle ?? null,
    limiters: records.map((r, i) => ({
      id: r.id,
      namespace: r.limiter.metadata.namespace,
      name: r.limiter.metadata.name,
      revision: r.revision,
      author: r.author,
      message: r.message,
      updatedAt: r.updatedAt,
      spec: r.limiter.spec,
      yaml: exportYaml(r.limiter),
      status: statusView(status.get(r.id), r.revision),
      enforcedBy: enforcingProxies(r.limiter, mesh, proxies),
      refusedPerMinute: refused[i]!,
    })),
  };
}

function statusView(s: LimiterStatus | undefined, revision: number) {
  if (!s) return null;
  return {
    evaluatedRevision: s.revision,
    current: s.revision === revision,
    evaluatedAt: s.evaluation?.at ?? null,
    metrics: s.evaluation?.metrics ?? {},
    descriptors: s.evaluation?.descriptors ?? [],
    problems: s.problems,
    envoyFilters: s.envoyFilters.map((e) => e.metadata.name),
    envoyFiltersYaml: s.yaml,
    changedAt: s.changedAt ?? null,
    diff: diffOf(s),
  };
}

export async function servePreviewLimiter(ctx: RouteContext, b: z.infer<typeof previewLimiterBody>) {
  const rt = await ctx.runtime();
  const { limiter: l, notes } = readLimiterNoting(b);
  const current = rt.limiters.status().find((s) => s.namespace === l.metadata.namespace && s.name === l.metadata.name);
  const metrics = await rt.limiters.metricsFor(l);
  return { ...previewLimiter(l, rt.registry.snapshot(), current, rt.config.limiter.rls, metrics), notes };
}

export async function serveApplyLimiter(ctx: RouteContext, b: z.infer<typeof applyLimiterBody>) {
  const rt = await ctx.runtime();
  const { limiter: l, notes } = readLimiterNoting(b);
  ctx.requireNamespace(l.metadata.namespace);
  const stored = await applyLimiter(rt.store.get().prisma, l, { expectedRevision: b.expectedRevision, author: ctx.user.name, message: b.message });
  // Evaluated now (this limiter alone), not at the next tick: the operator sees the status and EnvoyFilters at once.
  await rt.limiters.evaluateOne(stored);
  const s = rt.limiters.status().find((x) => x.id === stored.id);
  return { id: stored.id, revision: stored.revision, yaml: exportYaml(l), status: statusView(s, stored.revision), notes };
}

export async function serveGetLimiter(ctx: RouteContext, p: z.infer<typeof limiterIdParams>) {
  const rt = await ctx.runtime();
  const r = await getLimiter(rt.store.get().prisma, p.id);
  ctx.requireRead(r.limiter.metadata.namespace);
  const s = rt.limiters.status().find((x) => x.id === r.id);
  return { id: r.id, namespace: r.limiter.metadata.namespace, name: r.limiter.metadata.name, revision: r.revision, author: r.author, updatedAt: r.updatedAt, spec: r.limiter.spec, yaml: exportYaml(r.limiter), status: statusView(s, r.revision) };
}

export async function serveDeleteLimiter(ctx: RouteContext, p: z.infer<typeof limiterIdParams>, q: z.infer<typeof deleteLimiterQuery>) {
  const rt = await ctx.runtime();
  ctx.requireNamespace((await getLimiter(rt.store.get().prisma, p.id)).limiter.metadata.namespace);
  await removeLimiter(rt.store.get().prisma, p.id, q.expectedRevision);
  await rt.limiters.forget(p.id);
  return { deleted: p.id };
}

export async function serveEvaluateLimiters(ctx: RouteContext) {
  const rt = await ctx.runtime();
  await rt.limiters.evaluateNow();
  return { lastCycle: rt.limiters.lastCycle ?? null };
}
