import { Reply, type RouteContext, TextReply } from "../http/route";
import { checkHealth } from "../health";
import { telemetry } from "./metrics";

/** GET /metrics: Sextant's own telemetry in Prometheus's text format. */
export async function serveMetrics(ctx: RouteContext) {
  await ctx.runtime(); // the runtime attaches what the gauges read
  const t = telemetry();
  return new TextReply(await t.registry.metrics(), t.registry.contentType);
}

/**
 * GET /api/ready: readiness. 200 when every part works ("ok") or works without something it
 * can do without ("degraded": Prometheus unreachable, informers relisting); 503 when a part it
 * needs is down (the database, every registry source), so a load balancer sends traffic elsewhere;
 * 503 "draining" once shutdown has begun.
 */
export async function serveReady(ctx: RouteContext, draining = false) {
  if (draining) return new Reply(503, { status: "draining", message: "this replica is shutting down" });
  const health = await checkHealth(await ctx.runtime());
  return new Reply(health.status === "down" ? 503 : 200, health);
}
