import { Reply, checkHealth, route } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/health: process, database and registry; 503 when any part is down. */
export const GET = route({ name: "health.get", access: "public" }, async (_input, ctx) => {
  const health = await checkHealth(await ctx.runtime());
  return new Reply(health.status === "down" ? 503 : 200, health);
});
