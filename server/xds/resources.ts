import type { IntentDraft, RequestMatch, SpecOf, StringMatch } from "../intents/schemas";
import { durationMs } from "../intents/schemas";
import { type MeshSnapshot, selects } from "../mesh/model";
import { candidatePods } from "../mesh/index";
import { subsetsOf } from "../mesh/subsets";
import { TYPE, toAny } from "./protos";

/**
 * Mesh model + intents -> Envoy v3 resources as plain objects (protobuf field
 * names), for proxyless gRPC clients. Pure. Names follow Istio's, so
 * operators recognise them:
 *   Listener            <host>:<port>                      (api_listener, RDS)
 *   RouteConfiguration  <host>:<port>                      (that service's virtual host)
 *   Cluster             outbound|<port>|<subset>|<host>    (EDS; subset empty for all pods)
 *   ClusterLoadAssignment for each cluster: its ready pods
 * Each proxyless listener has its own route configuration (Envoy sidecars'
 * socket listeners will share one per port, named "<port>", as Istio's do): a
 * client then receives only the routes of the services it calls, and a change
 * to one service's routes reaches only that service's clients.
 * Intents become routes: request-routing rules (header/path matches) first,
 * then the default route (traffic-shift weights -> weighted_clusters), with
 * fault injection for matching requests first, as in the VirtualService;
 * fault injection for all requests (the fault filter's per-route config),
 * timeouts, retries and request mirroring on every route; load balancer
 * policy and circuit breaking on the clusters.
 */
export interface EnvoyResources {
  listeners: Record<string, Record<string, unknown>>;
  routes: Record<string, Record<string, unknown>>;
  clusters: Record<string, Record<string, unknown>>;
  endpoints: Record<string, Record<string, unknown>>;
}

export const clusterName = (port: number, subset: string, host: string) => `outbound|${port}|${subset}|${host}`;

export function duration(d: string): { seconds: number; nanos: number } {
  const ms = durationMs(d);
  return { seconds: Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) };
}

/** The listener's HttpConnectionManager, before it is packed into an Any by the snapshot. */
export interface ApiListenerSpec {
  routeConfigName: string;
}

function stringMatcher(m: StringMatch): Record<string, unknown> {
  if ("exact" in m) return { exact: m.exact };
  if ("prefix" in m) return { prefix: m.prefix };
  return { safe_regex: { regex: m.regex } };
}

function routeMatch(m: RequestMatch): Record<string, unknown> {
  const path = m.uri ? ("exact" in m.uri ? { path: m.uri.exact } : "prefix" in m.uri ? { prefix: m.uri.prefix } : { safe_regex: { regex: m.uri.regex } }) : { prefix: "" };
  const headers = Object.keys(m.headers ?? {})
    .sort()
    .map((name) => ({ name, string_match: stringMatcher(m.headers![name]!) }));
  if (m.method) headers.push({ name: ":method", string_match: stringMatcher(m.method) });
  const query = Object.keys(m.queryParams ?? {})
    .sort()
    .map((name) => ({ name, string_match: stringMatcher(m.queryParams![name]!) }));
  return { ...path, ...(headers.length ? { headers } : {}), ...(query.length ? { query_parameters: query } : {}) };
}

export const FAULT_FILTER = "envoy.filters.http.fault";

const fraction = (percent: number) => ({ numerator: Math.round(percent * 10_000), denominator: "MILLION" });

/** The fault filter's per-route configuration (delay and/or abort), packed for typed_per_filter_config. */
function faultConfig(f: SpecOf<"fault-injection">): Record<string, { type_url: string; value: Buffer }> {
  return {
    [FAULT_FILTER]: toAny(TYPE.fault, {
      ...(f.delay ? { delay: { fixed_delay: duration(f.delay.fixedDelay), percentage: fraction(f.delay.percentage) } } : {}),
      ...(f.abort ? { abort: { http_status: f.abort.httpStatus, percentage: fraction(f.abort.percentage) } } : {}),
    }),
  };
}

function action(port: number, host: string, weights: { subset: string; weight: number }[] | undefined, timeouts: SpecOf<"timeouts-retries"> | undefined): Record<string, unknown> {
  const live = (weights ?? []).filter((w) => w.weight > 0);
  const target =
    live.length === 0
      ? { cluster: clusterName(port, "", host) }
      : live.length === 1
        ? { cluster: clusterName(port, live[0]!.subset, host) }
        : { weighted_clusters: { clusters: live.map((w) => ({ name: clusterName(port, w.subset, host), weight: { value: w.weight } })) } };
  const r = timeouts?.retries;
  return {
    ...target,
    ...(timeouts?.timeout ? { timeout: duration(timeouts.timeout) } : {}),
    ...(r
      ? {
          retry_policy: {
            retry_on: (r.retryOn?.length ? [...new Set(r.retryOn)] : ["connect-failure", "refused-stream", "unavailable", "cancelled"]).join(","),
            num_retries: { value: r.attempts },
            ...(r.perTryTimeout ? { per_try_timeout: duration(r.perTryTimeout) } : {}),
          },
        }
      : {}),
  };
}

export function buildResources(mesh: MeshSnapshot, intents: IntentDraft[]): EnvoyResources {
  const out: EnvoyResources = { listeners: {}, routes: {}, clusters: {}, endpoints: {} };
  const parts = serviceInputs(mesh, intents).map(buildServiceResources);
  for (const r of parts) for (const k of ["listeners", "routes", "clusters", "endpoints"] as const) Object.assign(out[k], r[k]);
  const shared = sidecarResources(parts.map((r) => r.routes));
  Object.assign(out.listeners, shared.listeners);
  Object.assign(out.routes, shared.routes);
  return out;
}

/** A sidecar's outbound socket listener, before its HttpConnectionManager is packed. */
export interface SocketListenerSpec {
  port: number;
  routeConfigName: string;
}

/**
 * What Envoy sidecars get, as Istio's do: per service port, one outbound
 * socket listener (0.0.0.0_<port>, HttpConnectionManager with RDS) and one
 * route configuration named "<port>" holding every service's virtual host on
 * that port, chosen by the request's Host/authority. Built from the services'
 * own (per-listener) route configurations, so both clients see the same routes.
 */
export function sidecarResources(serviceRoutes: Record<string, Record<string, unknown>>[]): Pick<EnvoyResources, "listeners" | "routes"> {
  const byPort = new Map<number, Record<string, unknown>[]>();
  for (const routes of serviceRoutes) {
    for (const [name, rc] of Object.entries(routes)) {
      const port = Number(name.slice(name.lastIndexOf(":") + 1));
      if (!Number.isInteger(port)) continue;
      const list = byPort.get(port) ?? [];
      list.push(...(rc.virtual_hosts as Record<string, unknown>[]));
      byPort.set(port, list);
    }
  }
  const listeners: Record<string, Record<string, unknown>> = {};
  const routes: Record<string, Record<string, unknown>> = {};
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const vhosts = byPort.get(port)!.sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1));
    routes[String(port)] = { name: String(port), virtual_hosts: vhosts };
    listeners[`0.0.0.0_${port}`] = { name: `0.0.0.0_${port}`, socket: { port, routeConfigName: String(port) } satisfies SocketListenerSpec };
  }
  return { listeners, routes };
}

/** What one service's resources depend on: the service, its pods, its intents. */
export interface ServiceInput {
  service: MeshSnapshot["services"][number];
  endpoints: MeshSnapshot["endpoints"];
  intents: IntentDraft[];
}

/** The mesh split per service, in a stable order. */
export function serviceInputs(mesh: MeshSnapshot, intents: IntentDraft[]): ServiceInput[] {
  const byTarget = new Map<string, IntentDraft[]>();
  for (const i of intents) {
    const k = `${i.namespace}/${i.target}`;
    byTarget.set(k, [...(byTarget.get(k) ?? []), i]);
  }
  return meshServices(mesh).map(({ service, endpoints }) => ({
    service,
    endpoints,
    intents: (byTarget.get(`${service.namespace}/${service.name}`) ?? []).sort((a, b) => (a.kind < b.kind ? -1 : 1)),
  }));
}

const splitCache = new WeakMap<MeshSnapshot, { service: MeshSnapshot["services"][number]; endpoints: MeshSnapshot["endpoints"] }[]>();

/** Services in hostname order with the pods each selects; a published mesh snapshot is immutable, so this is kept per snapshot. */
function meshServices(mesh: MeshSnapshot) {
  const hit = splitCache.get(mesh);
  if (hit) return hit;
  const selected = (service: MeshSnapshot["services"][number]) => candidatePods(mesh, service.namespace, service.selector).filter((e) => selects(service.selector, e.labels));
  const out = [...mesh.services].sort((a, b) => (a.hostname < b.hostname ? -1 : 1)).map((service) => ({ service, endpoints: selected(service) }));
  splitCache.set(mesh, out);
  return out;
}

/** One service's listeners, routes, clusters and load assignments. */
export function buildServiceResources(input: ServiceInput): EnvoyResources {
  const out: EnvoyResources = { listeners: {}, routes: {}, clusters: {}, endpoints: {} };
  const mesh = { endpoints: input.endpoints };
  for (const s of [input.service]) {
    const mine = input.intents;
    const spec = <K extends IntentDraft["kind"]>(k: K) => mine.find((i) => i.kind === k)?.spec as SpecOf<K> | undefined;
    const shift = spec("traffic-shift");
    const routing = spec("request-routing");
    const timeouts = spec("timeouts-retries");
    const lb = spec("load-balancer");
    const cb = spec("circuit-breaking");
    const fault = spec("fault-injection");
    const mirror = spec("mirroring");
    const { subsets } = subsetsOf(s, mesh.endpoints);
    for (const p of s.ports) {
      const listener = `${s.hostname}:${p.port}`;
      out.listeners[listener] = { name: listener, api_listener: { routeConfigName: listener } satisfies ApiListenerSpec };
      const routes: Record<string, unknown>[] = [];
      const defaultAction = () => action(p.port, s.hostname, shift?.protocol === "http" ? shift.weights : undefined, timeouts);
      // Same order as the VirtualService: fault for some requests, routing rules, the default route.
      for (const m of fault?.match ?? []) routes.push({ name: "fault", match: routeMatch(m), route: defaultAction(), typed_per_filter_config: faultConfig(fault!) });
      for (const [i, rule] of (routing?.rules ?? []).entries()) {
        for (const m of rule.match) routes.push({ name: rule.name ?? `rule-${i}`, match: routeMatch(m), route: action(p.port, s.hostname, rule.route, timeouts) });
      }
      routes.push({ name: "default", match: { prefix: "" }, route: defaultAction() });
      for (const r of routes) {
        if (fault && !fault.match) r.typed_per_filter_config = faultConfig(fault);
        if (mirror) {
          (r.route as Record<string, unknown>).request_mirror_policies = [{ cluster: clusterName(p.port, mirror.subset, s.hostname), runtime_fraction: { default_value: fraction(mirror.percentage) } }];
        }
      }
      const short = [s.name, `${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, s.hostname];
      out.routes[listener] = { name: listener, virtual_hosts: [{ name: listener, domains: short.flatMap((d) => [d, `${d}:${p.port}`]), routes }] };

      const endpointsOf = (subset: string) =>
        (subset ? (subsets.find((x) => x.name === subset)?.endpoints ?? []) : [...subsets.flatMap((x) => x.endpoints), ...subsetsOf(s, mesh.endpoints).unversioned])
          .filter((e) => e.ready)
          .map((e) => ({ address: e.address, port: e.ports.find((x) => x.name === p.targetPortName)?.port ?? p.port }))
          .sort((a, b) => (a.address + a.port < b.address + b.port ? -1 : 1));
      // Subsets named by intents get clusters even when no pod carries that version any more
      // (as Istio does): those routes fail alone, instead of the whole snapshot becoming inconsistent.
      const referenced = [...(shift?.weights ?? []), ...(routing?.rules.flatMap((r) => r.route) ?? []), ...(mirror ? [{ subset: mirror.subset }] : [])].map((w) => w.subset);
      const clusterSubsets = [...new Set([...subsets.map((x) => x.name), ...referenced])].sort();
      for (const subset of ["", ...clusterSubsets]) {
        const name = clusterName(p.port, subset, s.hostname);
        out.clusters[name] = {
          name,
          type: "EDS",
          eds_cluster_config: { eds_config: { ads: {}, resource_api_version: "V3" }, service_name: name },
          lb_policy: lb && "simple" in lb ? ({ ROUND_ROBIN: "ROUND_ROBIN", LEAST_REQUEST: "LEAST_REQUEST", RANDOM: "RANDOM", PASSTHROUGH: "CLUSTER_PROVIDED" } as const)[lb.simple] : lb && "consistentHash" in lb ? "RING_HASH" : "ROUND_ROBIN",
          ...(cb?.connectionPool
            ? {
                circuit_breakers: {
                  thresholds: [
                    {
                      ...(cb.connectionPool.tcp?.maxConnections ? { max_connections: { value: cb.connectionPool.tcp.maxConnections } } : {}),
                      ...(cb.connectionPool.http?.http1MaxPendingRequests ? { max_pending_requests: { value: cb.connectionPool.http.http1MaxPendingRequests } } : {}),
                      ...(cb.connectionPool.http?.http2MaxRequests ? { max_requests: { value: cb.connectionPool.http.http2MaxRequests } } : {}),
                      ...(cb.connectionPool.http?.maxRetries ? { max_retries: { value: cb.connectionPool.http.maxRetries } } : {}),
                    },
                  ],
                },
              }
            : {}),
          ...(cb?.outlierDetection
            ? {
                outlier_detection: {
                  ...(cb.outlierDetection.consecutive5xxErrors !== undefined ? { consecutive_5xx: { value: cb.outlierDetection.consecutive5xxErrors } } : {}),
                  ...(cb.outlierDetection.interval ? { interval: duration(cb.outlierDetection.interval) } : {}),
                  ...(cb.outlierDetection.baseEjectionTime ? { base_ejection_time: duration(cb.outlierDetection.baseEjectionTime) } : {}),
                  ...(cb.outlierDetection.maxEjectionPercent !== undefined ? { max_ejection_percent: { value: cb.outlierDetection.maxEjectionPercent } } : {}),
                },
              }
            : {}),
        };
        out.endpoints[name] = {
          cluster_name: name,
          // gRPC requires a locality with a weight on each group of endpoints.
          endpoints: [{ locality: { region: "sextant", zone: "local" }, load_balancing_weight: { value: 1 }, lb_endpoints: endpointsOf(subset).map((e) => ({ endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } }, health_status: "HEALTHY" })) }],
        };
      }
    }
  }
  return out;
}
