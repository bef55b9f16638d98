import { graphQuerySchema, route, serveGraph } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/graph: the service graph for some namespaces over a time window (docs/API.md). */
export const GET = route({ name: "graph.get", query: graphQuerySchema }, async ({ query }, ctx) => serveGraph(await ctx.runtime(), query, ctx.readScope(query.namespace === undefined ? undefined : ([] as string[]).concat(query.namespace))));
