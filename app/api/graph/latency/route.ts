import { graphLatencyQuerySchema, route, serveGraphLatency } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/graph/latency: p50/p95/p99 and average latency of one node or edge, for the side panel. */
export const GET = route({ name: "graph.latency", query: graphLatencyQuerySchema }, ({ query }, ctx) => serveGraphLatency(ctx, query));
