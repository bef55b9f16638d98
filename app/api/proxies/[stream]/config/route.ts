import { proxyConfigParams, proxyConfigQuery, proxyConfigRoute, proxyStatusRoute, route } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/proxies/:stream/config?type=listener|route|cluster|endpoint: what the proxy was sent, as JSON. */
export const GET = route({ name: "proxies.config", params: proxyConfigParams, query: proxyConfigQuery }, async ({ params, query }, ctx) => {
  const rt = await ctx.runtime();
  if (ctx.user.namespaces !== null) {
    const proxy = proxyStatusRoute(rt).proxies.find((p) => p.streamId === params.stream);
    if (!proxy?.node.namespace || !ctx.canRead(proxy.node.namespace)) ctx.requireAllNamespaces("this proxy's configuration");
  }
  return proxyConfigRoute(rt, params.stream, query.type);
});
