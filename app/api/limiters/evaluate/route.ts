import { route, serveEvaluateLimiters } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/limiters/evaluate: evaluate every SmartLimiter now instead of at the next interval. */
export const POST = route({ name: "limiters.evaluate" }, (_input, ctx) => serveEvaluateLimiters(ctx));
