import { ForbiddenError } from "../../errors";
import { queryInt } from "../../http/inputs";
import { z } from "zod";
import { dnsLabel } from "../../mesh/names";
import type { RouteContext } from "../../http/route";
import { RESPONSE_TIMES } from "./fetch";
import { fetchLatency, fetchSeries } from "./series";
import type { Graph } from "./types";
import { GRAPH_TYPES } from "./types";

/** Input schemas and handlers behind /api/graph and /api/graph/series. */
const namespaceName = dnsLabel("must be a Kubernetes namespace name");
const flag = z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true");

/** "30s", "5m", "1h" -> seconds, between 10 s and 6 h. */
export const durationSchema = z
  .string()
  .regex(/^\d{1,5}[smh]$/, "must be a duration such as 30s, 5m or 1h")
  .transform((v) => Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[v.slice(-1) as "s" | "m" | "h"])
  .refine((s) => s >= 10 && s <= 6 * 3600, "must be between 10s and 6h");

export const graphQuerySchema = z.strictObject({
  namespace: z.union([namespaceName, z.array(namespaceName).max(200, "at most 200 namespaces")]).optional(),
  graphType: z.enum(GRAPH_TYPES, { error: `must be one of ${GRAPH_TYPES.join(", ")}` }).default("versionedApp"),
  duration: durationSchema.default(60),
  idle: flag.default(false),
  injectServiceNodes: flag.default(false),
  responseTime: z.enum(RESPONSE_TIMES, { error: `must be one of ${RESPONSE_TIMES.join(", ")}` }).default("none"),
});

export const graphLatencyQuerySchema = z.strictObject({
  id: z.string().min(1).max(400),
  duration: durationSchema.default(60),
});

export const graphSeriesQuerySchema = z.strictObject({
  id: z.string().min(1).max(400),
  minutes: queryInt(1, 60, "a number of minutes").default(10),
});

/** The namespaces a graph element id names ("va:ns:app:v", "src>dst"), for who may read it. */
export function namespacesOfId(id: string): string[] {
  return [...new Set(id.split(">").map((part) => part.split(":")[1]).filter((ns): ns is string => !!ns && ns !== "unknown"))];
}

/** The namespaces asked for, or every namespace the reader may see. */
export async function serveGraph(ctx: RouteContext, q: z.infer<typeof graphQuerySchema>): Promise<Graph> {
  const rt = await ctx.runtime();
  const readable = ctx.readScope(q.namespace === undefined ? undefined : ([] as string[]).concat(q.namespace));
  if (readable?.length === 0) throw new ForbiddenError(`${ctx.user.name} may read no namespace`);
  const requested = readable ?? [];
  const known = rt.registry.snapshot().namespaces;
  const namespaces = requested.length > 0 ? [...new Set(requested)] : known.length > 0 ? known : ["default"];
  return rt.graph.graph({ namespaces, graphType: q.graphType, windowSeconds: q.duration, idle: q.idle, injectServiceNodes: q.injectServiceNodes, responseTime: q.responseTime });
}

export async function serveGraphSeries(ctx: RouteContext, q: z.infer<typeof graphSeriesQuerySchema>) {
  namespacesOfId(q.id).forEach(ctx.requireRead);
  const rt = await ctx.runtime();
  const source = rt.graph.requireSource();
  const at = new Date();
  return { id: q.id, minutes: q.minutes, points: await fetchSeries(source, q.id, q.minutes, at) };
}

export async function serveGraphLatency(ctx: RouteContext, q: z.infer<typeof graphLatencyQuerySchema>) {
  namespacesOfId(q.id).forEach(ctx.requireRead);
  const rt = await ctx.runtime();
  const source = rt.graph.requireSource();
  return { id: q.id, windowSeconds: q.duration, latency: await fetchLatency(source, q.id, q.duration, new Date()) };
}
