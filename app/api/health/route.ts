import { checkHealth, route } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/health: liveness (200 while the process answers) with every part's state in the body; /api/ready is readiness. */
export const GET = route({ name: "health.get", access: "public" }, async (_input, ctx) => checkHealth(await ctx.runtime()));
