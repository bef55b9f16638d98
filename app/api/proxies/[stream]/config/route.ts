import { proxyConfigParams, proxyConfigQuery, proxyConfigRoute, route } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/proxies/:stream/config?type=listener|route|cluster|endpoint: what the proxy was sent, as JSON. */
export const GET = route({ name: "proxies.config", params: proxyConfigParams, query: proxyConfigQuery }, async ({ params, query }, ctx) => proxyConfigRoute(await ctx.runtime(), params.stream, query.type));
