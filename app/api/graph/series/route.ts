import { graphSeriesQuerySchema, namespacesOfId, route, serveGraphSeries } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/graph/series: recent request and error rates of one node or edge, for the sparkline. */
export const GET = route({ name: "graph.series", query: graphSeriesQuerySchema }, async ({ query }, ctx) => {
  namespacesOfId(query.id).forEach(ctx.requireRead);
  return serveGraphSeries(await ctx.runtime(), query);
});
