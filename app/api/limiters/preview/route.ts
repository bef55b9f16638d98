import { LIMITER_BODY_LIMIT, previewLimiterBody, route, servePreviewLimiter } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/limiters/preview: validate a SmartLimiter and show the EnvoyFilters it would generate now, with a diff. */
export const POST = route({ name: "limiters.preview", access: "read", body: previewLimiterBody, maxBodyBytes: LIMITER_BODY_LIMIT }, ({ body }, ctx) => servePreviewLimiter(ctx, body));
