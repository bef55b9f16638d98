import { LIMITER_BODY_LIMIT, applyLimiterBody, route, serveApplyLimiter, serveListLimiters } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/limiters: SmartLimiters with their status (metric values, conditions, quotas, EnvoyFilters). */
export const GET = route({ name: "limiters.list" }, (_input, ctx) => serveListLimiters(ctx));

/** PUT /api/limiters: import (yaml) or save (limiter) a SmartLimiter; expectedRevision 0 creates, a stale one is 409. */
export const PUT = route({ name: "limiters.apply", scope: "namespaced", body: applyLimiterBody, maxBodyBytes: LIMITER_BODY_LIMIT }, ({ body }, ctx) => serveApplyLimiter(ctx, body));
