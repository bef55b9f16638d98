import { detailParams, detailQuery, route, serveDetailMetrics } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/services/:namespace/:name/metrics?minutes=10: inbound per version and outbound per called service, over time. */
export const GET = route({ name: "services.metrics", params: detailParams, query: detailQuery }, ({ params, query }, ctx) => serveDetailMetrics(ctx, "service", params, query));
