import { detailParams, detailQuery, route, serveDetailMetrics } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/workloads/:namespace/:name/metrics?minutes=10: inbound and outbound traffic of one workload, over time. */
export const GET = route({ name: "workloads.metrics", params: detailParams, query: detailQuery }, ({ params, query }, ctx) => serveDetailMetrics(ctx, "workload", params, query));
