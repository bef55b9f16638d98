import { graphSeriesQuerySchema, route, serveGraphSeries } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/graph/series: recent request and error rates of one node or edge, for the sparkline. */
export const GET = route({ name: "graph.series", query: graphSeriesQuerySchema }, ({ query }, ctx) => serveGraphSeries(ctx, query));
