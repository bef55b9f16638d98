import { proxyConfigParams, proxyConfigQuery, route, serveProxyConfig } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/proxies/:stream/config?type=listener|route|cluster|endpoint: what the proxy was sent, as JSON. */
export const GET = route({ name: "proxies.config", params: proxyConfigParams, query: proxyConfigQuery }, ({ params, query }, ctx) => serveProxyConfig(ctx, params, query));
