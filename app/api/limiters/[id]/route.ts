import { deleteLimiterQuery, limiterIdParams, route, serveDeleteLimiter, serveGetLimiter } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/limiters/:id: one SmartLimiter with its YAML and status. */
export const GET = route({ name: "limiters.get", params: limiterIdParams }, ({ params }, ctx) => serveGetLimiter(ctx, params));

/** DELETE /api/limiters/:id?expectedRevision=N: remove it (and its history); its EnvoyFilters go at once. */
export const DELETE = route({ name: "limiters.delete", scope: "namespaced", params: limiterIdParams, query: deleteLimiterQuery }, ({ params, query }, ctx) => serveDeleteLimiter(ctx, params, query));
