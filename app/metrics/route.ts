import { route, serveMetrics } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /metrics: Sextant's own telemetry (prom-client): requests, proxies, pushes, NACKs, Prometheus queries, limiters, informers, Git exports. */
export const GET = route({ name: "metrics", access: "public" }, (_input, ctx) => serveMetrics(ctx));
