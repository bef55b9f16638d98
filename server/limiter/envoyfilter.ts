import { type InboundRateLimit, protoDuration, settleLocalDescriptors } from "../xds/inbound";
import type { InboundPolicy } from "../xds/snapshot";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../translate/istio";
import type { DescriptorResult, Evaluation, TokenBucket } from "./evaluate";
import { BASE_SET, type Descriptor, type Matcher, type SmartLimiter, type Target, matchSource } from "./schema";

/**
 * An evaluated SmartLimiter -> what Envoy needs, in Slime's shape (pure):
 *  - per set, one EnvoyFilter `<name>.<namespace>[.<set>].ratelimit` selecting
 *    the set's pods, with (in Slime's order) HTTP_ROUTE / VIRTUAL_HOST MERGE
 *    patches adding `rate_limits` actions, the HTTP_FILTER INSERT_BEFORE the
 *    router of envoy.filters.http.ratelimit (global) and/or
 *    envoy.filters.http.local_ratelimit, and the per-route
 *    `typed_per_filter_config` holding the token buckets;
 *  - for global descriptors, the rate limit service's config (ConfigMap);
 *  - for inbound targets, the same limits as an xDS policy for Sextant's own
 *    sidecar listeners (server/xds/inbound.ts).
 * Only active descriptors (condition true, quota usable) produce anything; a
 * set with none has no EnvoyFilter. Typed configs are protobuf JSON
 * (durations "60s", wrappers as plain numbers), as Istio reads them.
 */
export const ENVOY_FILTER_API = "networking.istio.io/v1alpha3";
export const LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit";
export const GLOBAL_RATE_LIMIT = "envoy.filters.http.ratelimit";
export const TYPE_LOCAL = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
export const TYPE_GLOBAL = "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit";
export const TYPE_TYPED_STRUCT = "type.googleapis.com/udpa.type.v1.TypedStruct";
const STAT_PREFIX = "http_local_rate_limiter";

export interface RateLimitService {
  /** Envoy cluster of the rate limit service, e.g. outbound|18081||rate-limit.istio-system.svc.cluster.local. */
  cluster: string;
  domain: string;
  configMap: { namespace: string; name: string };
}

export const DEFAULT_RLS: RateLimitService = { cluster: "outbound|18081||rate-limit.istio-system.svc.cluster.local", domain: "slime", configMap: { namespace: "istio-system", name: "rate-limit-config" } };

/** Where a limiter applies: the labels of its workload's pods (the service's selector, or spec.workloadSelector). */
export interface LimiterPlacement {
  selector: Record<string, string>;
  /** Extra labels per set (a subset's labels, e.g. {version: "v1"}). */
  setLabels: Record<string, Record<string, string>>;
}

export interface EnvoyFilterObject {
  apiVersion: typeof ENVOY_FILTER_API;
  kind: "EnvoyFilter";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { workloadSelector: { labels: Record<string, string> }; configPatches: Record<string, unknown>[] };
}

type Context = "SIDECAR_INBOUND" | "SIDECAR_OUTBOUND" | "GATEWAY";

interface RouteTarget {
  context: Context;
  vhost?: string;
  route?: string;
}

/** Where one descriptor's target points: route configuration patches' match targets. */
export function routeTargets(t: Target | undefined, gateway: boolean): RouteTarget[] {
  const context: Context = gateway ? "GATEWAY" : t?.direction === "outbound" ? "SIDECAR_OUTBOUND" : "SIDECAR_INBOUND";
  if (t && (t.direction === "outbound" || gateway)) {
    const port = (vh: string) => (t.port ? `${vh}:${t.port}` : vh);
    // An empty virtual host ("/foo", as Slime allows) matches the route by name in any virtual host.
    // Entries that are not <virtual host>/<route name> are skipped, as Slime skips them.
    if (t.route) return t.route.filter((r) => r.split("/").length === 2).map((r) => ({ context, ...(r.indexOf("/") > 0 ? { vhost: port(r.slice(0, r.indexOf("/"))) } : {}), route: r.slice(r.indexOf("/") + 1) }));
    if (t.host) return t.host.map((h) => ({ context, vhost: port(h) }));
  }
  return [{ context, ...(t?.port ? { vhost: `inbound|http|${t.port}` } : {}), route: "default" }];
}

function stringMatch(m: Matcher): Record<string, unknown> {
  if (m.exact_match !== undefined) return { exact: m.exact_match };
  if (m.is_exact_match_empty) return { exact: "" };
  if (m.prefix_match !== undefined) return { prefix: m.prefix_match };
  if (m.suffix_match !== undefined) return { suffix: m.suffix_match };
  return { safe_regex: { regex: m.regex_match } };
}

function headerMatcher(m: Matcher): Record<string, unknown> {
  return { name: m.name, ...(m.present_match ? { present_match: true } : { string_match: stringMatch(m) }), ...(m.invert_match ? { invert_match: true } : {}) };
}

function queryMatcher(m: Matcher): Record<string, unknown> {
  return { name: m.name, ...(m.present_match ? { present_match: true } : { string_match: stringMatch(m) }) };
}

/** requestHeader key for present_match_separate (a descriptor per header value, global only). */
const headerKey = (id: string) => id.replace(/^Service\[/, "RequestHeader[");

/** The route's rate_limits actions of one descriptor, and the descriptor entries they produce (in order). */
export function actionsOf(d: Descriptor, id: string): { actions: Record<string, unknown>[]; entries: { key: string; value: string }[] } {
  if (d.custom_key !== undefined && d.custom_value !== undefined) {
    return { actions: [{ generic_key: { descriptor_key: d.custom_key, descriptor_value: d.custom_value } }], entries: [{ key: d.custom_key, value: d.custom_value }] };
  }
  const matches = d.match ?? [];
  if (matches.length === 0) return { actions: [{ generic_key: { descriptor_value: id } }], entries: [{ key: "generic_key", value: id }] };
  const separate = matches.find((m) => m.present_match_separate);
  if (separate) {
    return { actions: [{ generic_key: { descriptor_value: id } }, { request_headers: { header_name: separate.name, descriptor_key: headerKey(id) } }], entries: [{ key: "generic_key", value: id }] };
  }
  const query = matches.filter((m) => matchSource(m) === "QueryMatch");
  const headers = matches.filter((m) => matchSource(m) === "HeadMatch");
  const ips = matches.filter((m) => matchSource(m) === "SourceIpMatch");
  const actions: Record<string, unknown>[] = [];
  const entries: { key: string; value: string }[] = [];
  // Slime's order: query, then header, then source address.
  if (query.length) {
    actions.push({ query_parameter_value_match: { descriptor_value: id, query_parameters: query.map(queryMatcher) } });
    entries.push({ key: "query_match", value: id });
  }
  if (headers.length) {
    actions.push({ header_value_match: { descriptor_value: id, headers: headers.map(headerMatcher) } });
    entries.push({ key: "header_match", value: id });
  }
  for (const m of ips) {
    actions.push({ remote_address: {} });
    entries.push({ key: "remote_address", value: m.exact_match! });
  }
  return { actions, entries };
}

export { protoDuration };

const bucketJson = (b: TokenBucket) => ({ max_tokens: b.max_tokens, tokens_per_fill: b.tokens_per_fill, fill_interval: protoDuration(b.fill_interval) });

/** The per-route LocalRateLimit (protobuf JSON) for some local descriptors. */
export function localRateLimitConfig(items: { d: Descriptor; r: DescriptorResult }[]): Record<string, unknown> {
  const headers = items.flatMap(({ d }) => d.action.headers_to_add ?? []);
  return settleLocalDescriptors({
    stat_prefix: STAT_PREFIX,
    // Requests no descriptor matches are not limited: a default bucket far above any real rate.
    token_bucket: { max_tokens: 100000, tokens_per_fill: 100000, fill_interval: "1s" },
    filter_enabled: { runtime_key: "local_rate_limit_enabled", default_value: { numerator: 100 } },
    filter_enforced: { runtime_key: "local_rate_limit_enforced", default_value: { numerator: 100 } },
    descriptors: items.map(({ d, r }) => ({ entries: actionsOf(d, r.id).entries, token_bucket: bucketJson(r.bucket!) })),
    ...(headers.length ? { response_headers_to_add: headers.map((h) => ({ header: { key: h.key, value: h.value }, append_action: "APPEND_IF_EXISTS_OR_ADD" })) } : {}),
  });
}



function routeMatch(t: RouteTarget): Record<string, unknown> {
  return { context: t.context, routeConfiguration: { vhost: { ...(t.vhost ? { name: t.vhost } : {}), ...(t.route ? { route: { name: t.route } } : {}) } } };
}

function filterMatch(context: Context): Record<string, unknown> {
  return { context, listener: { filterChain: { filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } } } } };
}

const CONTEXTS: Context[] = ["SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY"];

export function envoyFilterName(l: SmartLimiter, set: string): string {
  return set === BASE_SET ? `${l.metadata.name}.${l.metadata.namespace}.ratelimit` : `${l.metadata.name}.${l.metadata.namespace}.${set.toLowerCase()}.ratelimit`;
}

/** The EnvoyFilters of one evaluated limiter: one per set with active descriptors, sets in name order. */
export function envoyFilters(l: SmartLimiter, ev: Evaluation, place: LimiterPlacement, rls: RateLimitService = DEFAULT_RLS): EnvoyFilterObject[] {
  const out: EnvoyFilterObject[] = [];
  for (const set of Object.keys(l.spec.sets).sort()) {
    const items = ev.descriptors.filter((r) => r.set === set && r.active).map((r) => ({ r, d: l.spec.sets[set]!.descriptor[r.index]! }));
    if (items.length === 0) continue;
    const patches: Record<string, unknown>[] = [];
    // Descriptors grouped by the route (or virtual host) they patch, in first-seen order.
    const groups = new Map<string, { t: RouteTarget; items: typeof items }>();
    for (const it of items) {
      for (const t of routeTargets(it.d.target ?? l.spec.target, Boolean(l.spec.gateway))) {
        const k = `${t.context}|${t.vhost ?? ""}/${t.route ?? ""}`;
        (groups.get(k) ?? groups.set(k, { t, items: [] }).get(k)!).items.push(it);
      }
    }
    for (const { t, items: g } of groups.values()) {
      const rateLimits = g.map(({ d, r }) => ({ actions: actionsOf(d, r.id).actions }));
      patches.push({ applyTo: t.route ? "HTTP_ROUTE" : "VIRTUAL_HOST", match: routeMatch(t), patch: { operation: "MERGE", value: t.route ? { route: { rate_limits: rateLimits } } : { rate_limits: rateLimits } } });
    }
    const contextsOf = (strategyGlobal: boolean) =>
      CONTEXTS.filter((c) => [...groups.values()].some((g) => g.t.context === c && g.items.some(({ r }) => (r.strategy === "global") === strategyGlobal)));
    for (const c of contextsOf(true)) {
      patches.push({
        applyTo: "HTTP_FILTER",
        match: filterMatch(c),
        patch: {
          operation: "INSERT_BEFORE",
          value: {
            name: GLOBAL_RATE_LIMIT,
            typed_config: { "@type": TYPE_TYPED_STRUCT, type_url: TYPE_GLOBAL, value: { domain: rls.domain, rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: rls.cluster } }, transport_api_version: "V3" } } },
          },
        },
      });
    }
    for (const c of contextsOf(false)) {
      patches.push({ applyTo: "HTTP_FILTER", match: filterMatch(c), patch: { operation: "INSERT_BEFORE", value: { name: LOCAL_RATE_LIMIT, typed_config: { "@type": TYPE_LOCAL, stat_prefix: STAT_PREFIX } } } });
    }
    for (const { t, items: g } of groups.values()) {
      const local = g.filter(({ r }) => r.strategy !== "global");
      if (local.length === 0) continue;
      patches.push({
        applyTo: t.route ? "HTTP_ROUTE" : "VIRTUAL_HOST",
        match: routeMatch(t),
        patch: { operation: "MERGE", value: { typed_per_filter_config: { [LOCAL_RATE_LIMIT]: { "@type": TYPE_TYPED_STRUCT, type_url: TYPE_LOCAL, value: localRateLimitConfig(local) } } } },
      });
    }
    const labels = { ...place.selector, ...(set === BASE_SET ? {} : (place.setLabels[set] ?? {})) };
    out.push({
      apiVersion: ENVOY_FILTER_API,
      kind: "EnvoyFilter",
      // Slime carries the limiter's istio.io/rev onto its EnvoyFilters, so the right control plane reads them.
      metadata: { name: envoyFilterName(l, set), namespace: l.metadata.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, "sextant.io/smartlimiter": l.metadata.name, ...(l.metadata.labels ?? {}) } },
      spec: { workloadSelector: { labels: Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]!])) }, configPatches: patches },
    });
  }
  return out;
}

/** One rate limit service descriptor (envoyproxy/ratelimit config), possibly nested. */
export interface RlsDescriptor {
  key: string;
  value?: string;
  rate_limit?: { requests_per_unit: number; unit: string };
  descriptors?: RlsDescriptor[];
}

/** The rate limit service's descriptors for one limiter's active global descriptors (nested in action order). */
export function rlsDescriptors(l: SmartLimiter, ev: Evaluation): RlsDescriptor[] {
  const out: RlsDescriptor[] = [];
  for (const r of ev.descriptors) {
    if (!r.active || r.strategy !== "global") continue;
    const d = l.spec.sets[r.set]!.descriptor[r.index]!;
    const limit = { requests_per_unit: r.global!.requests_per_unit, unit: r.global!.unit };
    const separate = (d.match ?? []).find((m) => m.present_match_separate);
    const chain: RlsDescriptor[] = separate ? [{ key: "generic_key", value: r.id }, { key: headerKey(r.id) }] : actionsOf(d, r.id).entries.map((e) => ({ key: e.key, value: e.value }));
    // Nest: each entry is the parent of the next; the last one carries the limit.
    let node: RlsDescriptor = { ...chain[chain.length - 1]!, rate_limit: limit };
    for (let i = chain.length - 2; i >= 0; i--) node = { ...chain[i]!, descriptors: [node] };
    out.push(node);
  }
  return out;
}

/** The rate limit service's ConfigMap for every limiter's global descriptors (sorted by value: stable bytes). */
export function rlsConfigMap(descriptors: RlsDescriptor[], rls: RateLimitService = DEFAULT_RLS): Record<string, unknown> {
  const sorted = [...descriptors].sort((a, b) => ((a.value ?? a.key) < (b.value ?? b.key) ? -1 : (a.value ?? a.key) > (b.value ?? b.key) ? 1 : 0));
  const lines = [`domain: ${rls.domain}`, "descriptors:", ...(sorted.length ? sorted.flatMap((d) => rlsYaml(d, 0)) : [])];
  if (!sorted.length) lines[1] = "descriptors: []";
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: rls.configMap.name, namespace: rls.configMap.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    data: { "config.yaml": `${lines.join("\n")}\n` },
  };
}

function rlsYaml(d: RlsDescriptor, depth: number): string[] {
  const pad = "  ".repeat(depth);
  const out = [`${pad}- key: ${d.key}`];
  if (d.value !== undefined) out.push(`${pad}  value: ${d.value}`);
  if (d.rate_limit) out.push(`${pad}  rate_limit:`, `${pad}    requests_per_unit: ${d.rate_limit.requests_per_unit}`, `${pad}    unit: ${d.rate_limit.unit}`);
  if (d.descriptors?.length) out.push(`${pad}  descriptors:`, ...d.descriptors.flatMap((c) => rlsYaml(c, depth + 1)));
  return out;
}

/**
 * The same local limits for Sextant's own xDS: inbound targets of sidecars
 * (not gateways, not outbound) become policies on the selected pods' inbound
 * listener ports, shaped like the EnvoyFilter's patches.
 */
export function inboundPolicies(l: SmartLimiter, ev: Evaluation, place: LimiterPlacement): InboundPolicy[] {
  if (l.spec.gateway) return [];
  const out: InboundPolicy[] = [];
  for (const set of Object.keys(l.spec.sets).sort()) {
    const byPort = new Map<number | undefined, { d: Descriptor; r: DescriptorResult }[]>();
    for (const r of ev.descriptors) {
      if (r.set !== set || !r.active || r.strategy === "global") continue;
      const d = l.spec.sets[set]!.descriptor[r.index]!;
      const t = d.target ?? l.spec.target;
      if (t?.direction === "outbound") continue;
      (byPort.get(t?.port) ?? byPort.set(t?.port, []).get(t?.port)!).push({ d, r });
    }
    for (const [port, items] of byPort) {
      const rateLimit: InboundRateLimit = {
        filters: [{ name: LOCAL_RATE_LIMIT, typeUrl: TYPE_LOCAL, config: { stat_prefix: STAT_PREFIX } }],
        rateLimits: items.map(({ d, r }) => ({ actions: actionsOf(d, r.id).actions })),
        perRoute: { [LOCAL_RATE_LIMIT]: { typeUrl: TYPE_LOCAL, config: localRateLimitConfig(items) } },
      };
      out.push({ namespace: l.metadata.namespace, selector: { ...place.selector, ...(set === BASE_SET ? {} : (place.setLabels[set] ?? {})) }, ...(port ? { port } : {}), rateLimit });
    }
  }
  return out;
}
