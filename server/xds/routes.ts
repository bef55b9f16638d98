import { createHash } from "node:crypto";
import { type PlannedRoute, stringMatches } from "../intents/routes";
import type { RequestMatch, SpecOf, StringMatch } from "../intents/schemas";
import { durationMs } from "../intents/schemas";
import { type ClientKind, DEFAULT_RETRY_ON, GRPC_MAX_ATTEMPTS, grpcRetryOn } from "./clients";
import { TYPE, toAny } from "./protos";

/**
 * A host's planned routes (server/intents/routes.ts) -> Envoy Route objects
 * (protobuf field names) for one port and one kind of client. Pure.
 * For proxyless gRPC, what gRPC cannot honour is changed as validation
 * reports it (server/intents/proxyless.ts): a query-parameter match never
 * matches a gRPC request (no query string), so that route is left out; a
 * method match is decided for POST (every gRPC call); mirroring and per-try
 * timeouts are not sent; retries keep the gRPC status codes; the timeout is
 * max_stream_duration (gRFC A31); cookie and source-IP hashing become
 * per-channel hashing.
 */
export const clusterName = (port: number, subset: string, host: string) => `outbound|${port}|${subset}|${host}`;

export const FAULT_FILTER = "envoy.filters.http.fault";

export function duration(d: string): { seconds: number; nanos: number } {
  const ms = durationMs(d);
  return { seconds: Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) };
}

const fraction = (percent: number) => ({ numerator: Math.round(percent * 10_000), denominator: "MILLION" });

export interface RouteContext {
  port: number;
  host: string;
  client: ClientKind;
  timeouts?: SpecOf<"timeouts-retries">;
  mirror?: SpecOf<"mirroring">;
  lb?: SpecOf<"load-balancer">;
}

function stringMatcher(m: StringMatch): Record<string, unknown> {
  if ("exact" in m) return { exact: m.exact };
  if ("prefix" in m) return { prefix: m.prefix };
  return { safe_regex: { regex: m.regex } };
}

/** Envoy's RouteMatch, or undefined when the client can never see a request that matches. */
function routeMatch(m: RequestMatch | undefined, client: ClientKind): Record<string, unknown> | undefined {
  if (!m) return { prefix: "" };
  if (client === "proxyless" && (Object.keys(m.queryParams ?? {}).length > 0 || (m.method && !stringMatches(m.method, "POST")))) return undefined;
  const path = m.uri ? ("exact" in m.uri ? { path: m.uri.exact } : "prefix" in m.uri ? { prefix: m.uri.prefix } : { safe_regex: { regex: m.uri.regex } }) : { prefix: "" };
  const headers = Object.keys(m.headers ?? {})
    .sort()
    .map((name) => ({ name, string_match: stringMatcher(m.headers![name]!) }));
  if (m.method && client === "envoy") headers.push({ name: ":method", string_match: stringMatcher(m.method) });
  const query = Object.keys(m.queryParams ?? {})
    .sort()
    .map((name) => ({ name, string_match: stringMatcher(m.queryParams![name]!) }));
  return { ...path, ...(headers.length ? { headers } : {}), ...(query.length ? { query_parameters: query } : {}) };
}

/** The fault filter's per-route configuration (delay and/or abort), packed for typed_per_filter_config. */
function faultConfig(f: SpecOf<"fault-injection">): Record<string, { type_url: string; value: Buffer }> {
  return {
    [FAULT_FILTER]: toAny(TYPE.fault, {
      ...(f.delay ? { delay: { fixed_delay: duration(f.delay.fixedDelay), percentage: fraction(f.delay.percentage) } } : {}),
      ...(f.abort ? { abort: { http_status: f.abort.httpStatus, percentage: fraction(f.abort.percentage) } } : {}),
    }),
  };
}

/**
 * The route's retry policy. An Envoy sidecar's is istiod's
 * (pilot/pkg/networking/core/route/retry/retry.go ConvertPolicy): without a
 * retries intent, istiod's default (2 retries on connect-failure,
 * refused-stream, unavailable, cancelled and 503, other hosts preferred, 5
 * host selection attempts); attempts 0 turns retries off; otherwise the
 * default with the intent's attempts, conditions and per-try timeout. With
 * consistent hashing no other host is preferred (affinity holds).
 * A proxyless client's: the gRPC status codes gRPC retries on, nothing by default.
 */
function retryPolicy(t: SpecOf<"timeouts-retries"> | undefined, client: ClientKind, hashing: boolean): Record<string, unknown> | undefined {
  const r = t?.retries;
  if (client === "envoy") {
    if (r && r.attempts <= 0) return undefined;
    return {
      retry_on: r?.retryOn?.length ? [...new Set(r.retryOn)].join(",") : ISTIO_DEFAULT_RETRY_ON,
      num_retries: { value: r ? r.attempts : 2 },
      ...(r?.perTryTimeout ? { per_try_timeout: duration(r.perTryTimeout) } : {}),
      ...(hashing ? {} : { retry_host_predicate: [{ name: "envoy.retry_host_predicates.previous_hosts", typed_config: toAny(TYPE.previousHosts, {}) }] }),
      host_selection_retry_max_attempts: "5",
      ...(r?.retryOn?.length ? {} : { retriable_status_codes: [503] }),
    };
  }
  if (!r) return undefined;
  const retryOn = r.retryOn?.length ? [...new Set(r.retryOn)] : DEFAULT_RETRY_ON;
  const { codes } = grpcRetryOn(retryOn);
  const retries = Math.min(r.attempts, GRPC_MAX_ATTEMPTS - 1);
  if (retries === 0 || codes.length === 0) return undefined;
  return { retry_on: codes.join(","), num_retries: { value: retries } };
}

/** istiod's default retry conditions (retry.go defaultPolicy). */
const ISTIO_DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

function hashPolicy(lb: SpecOf<"load-balancer"> | undefined, client: ClientKind): Record<string, unknown>[] | undefined {
  if (!lb || !("consistentHash" in lb)) return undefined;
  const h = lb.consistentHash;
  if ("httpHeaderName" in h) return [{ header: { header_name: h.httpHeaderName.toLowerCase() } }];
  if (client === "proxyless") return [{ filter_state: { key: "io.grpc.channel_id" } }];
  if ("httpCookie" in h) return [{ cookie: { name: h.httpCookie.name, ...(h.httpCookie.ttl ? { ttl: duration(h.httpCookie.ttl) } : {}) } }];
  return [{ connection_properties: { source_ip: true } }];
}

/**
 * The route's timeout as istiod sets it (pilot/pkg/networking/core/route/route.go setTimeout):
 * the intent's timeout, else none at all (0s; Envoy's own default would cut every request at
 * 15 s); an Envoy also bounds a gRPC call's grpc-timeout header by it (max_grpc_timeout, 0s: the
 * header is not used); a proxyless client reads max_stream_duration (gRFC A31) and only when set.
 */
function timeouts(timeout: string | undefined, client: ClientKind): Record<string, unknown> {
  if (client === "proxyless") return timeout ? { max_stream_duration: { max_stream_duration: duration(timeout) } } : {};
  const d = timeout ? duration(timeout) : { seconds: 0, nanos: 0 };
  return { timeout: d, max_grpc_timeout: d };
}

function action(p: PlannedRoute, ctx: RouteContext): Record<string, unknown> {
  const live = (p.weights ?? []).filter((w) => w.weight > 0);
  const target =
    live.length === 0
      ? { cluster: clusterName(ctx.port, "", ctx.host) }
      : live.length === 1
        ? { cluster: clusterName(ctx.port, live[0]!.subset, ctx.host) }
        : { weighted_clusters: { clusters: live.map((w) => ({ name: clusterName(ctx.port, w.subset, ctx.host), weight: { value: w.weight } })) } };
  const timeout = ctx.timeouts?.timeout;
  const hash = hashPolicy(ctx.lb, ctx.client);
  const retry = retryPolicy(ctx.timeouts, ctx.client, !!hash);
  return {
    ...target,
    ...timeouts(timeout, ctx.client),
    ...(retry ? { retry_policy: retry } : {}),
    ...(hash ? { hash_policy: hash } : {}),
    ...(ctx.mirror && ctx.client === "envoy"
      ? { request_mirror_policies: [{ cluster: clusterName(ctx.port, ctx.mirror.subset, ctx.host), runtime_fraction: { default_value: fraction(ctx.mirror.percentage) } }] }
      : {}),
  };
}

/**
 * The Envoy routes of one virtual host. A planned route with several
 * alternative matches becomes one Envoy route per match, in order.
 * Proxyless routes carry a digest of their content in their name: gRPC's
 * xDS client compares a new route configuration with its cached one by the
 * cached object's keys only, so a field a route gains (a fault filter's
 * config where there was none) would otherwise go unseen by a connected
 * client; the name is always there, and changes with the content.
 */
export function envoyRoutes(plan: PlannedRoute[], ctx: RouteContext): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const p of plan) {
    for (const m of p.match ?? [undefined]) {
      const match = routeMatch(m, ctx.client);
      if (!match) continue;
      const route: Record<string, unknown> = { name: p.name, match, route: action(p, ctx), ...(p.fault ? { typed_per_filter_config: faultConfig(p.fault) } : {}) };
      if (ctx.client === "proxyless") route.name = `${p.name}@${contentDigest(route)}`;
      out.push(route);
    }
  }
  return out;
}

function contentDigest(o: unknown): string {
  return createHash("sha256").update(JSON.stringify(o)).digest("hex").slice(0, 8);
}
