import { graphQuerySchema, route, serveGraph } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/graph: the service graph for some namespaces over a time window (docs/API.md). */
export const GET = route({ name: "graph.get", query: graphQuerySchema }, ({ query }, ctx) => serveGraph(ctx, query));
