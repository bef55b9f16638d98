import { INT4_MAX, queryInt } from "../http/inputs";
import { z } from "zod";
import type { RouteContext } from "../http/route";
import { proxyConfig, proxyStatus } from "./status";

export const proxyConfigParams = z.strictObject({ stream: queryInt(1, INT4_MAX, "a stream number") });
export const proxyConfigQuery = z.strictObject({ type: z.enum(["listener", "route", "cluster", "endpoint"], { error: "must be listener, route, cluster or endpoint" }).default("listener") });

/** Connected proxies; a namespace-limited reader sees those of its namespaces (a node id that names none is nobody's). */
export async function serveProxies(ctx: RouteContext) {
  const status = proxyStatus(await ctx.runtime());
  return { ...status, proxies: status.proxies.filter((p) => (p.node.namespace ? ctx.canRead(p.node.namespace) : ctx.user.namespaces === null)) };
}

/** What one proxy was sent, for who may read its namespace. */
export async function serveProxyConfig(ctx: RouteContext, p: z.infer<typeof proxyConfigParams>, q: z.infer<typeof proxyConfigQuery>) {
  const rt = await ctx.runtime();
  if (ctx.user.namespaces !== null) {
    const proxy = proxyStatus(rt).proxies.find((x) => x.streamId === p.stream);
    if (!proxy?.node.namespace || !ctx.canRead(proxy.node.namespace)) ctx.requireAllNamespaces("this proxy's configuration");
  }
  return proxyConfig(rt, p.stream, q.type);
}
