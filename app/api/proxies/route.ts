import { proxyStatusRoute, route } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/proxies: connected proxies and, per resource type, SYNCED / STALE / NACKED / NOT SENT. */
export const GET = route({ name: "proxies.list" }, async (_input, ctx) => {
  const status = proxyStatusRoute(await ctx.runtime());
  // A namespace-limited reader sees the proxies of its namespaces (a node id that names none is nobody's).
  return { ...status, proxies: status.proxies.filter((p) => (p.node.namespace ? ctx.canRead(p.node.namespace) : ctx.user.namespaces === null)) };
});
