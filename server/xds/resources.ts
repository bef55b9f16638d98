import { httpRoutePlan, specsByKind } from "../intents/routes";
import type { IntentDraft } from "../intents/schemas";
import { type MeshSnapshot, selects } from "../mesh/model";
import { candidatePods } from "../mesh/index";
import { subsetsOf } from "../mesh/subsets";
import type { ClientKind } from "./clients";
import { clusterPolicy, isPassthrough } from "./clusters";
import { FAULT_FILTER, clusterName, duration, envoyRoutes } from "./routes";

/**
 * Mesh model + intents -> Envoy v3 resources as plain objects (protobuf field
 * names), for one kind of client (proxyless gRPC or Envoy sidecars; see
 * clients.ts for what differs). Pure. Names follow Istio's, so
 * operators recognise them:
 *   Listener            <host>:<port>                      (api_listener, RDS)
 *   RouteConfiguration  <host>:<port>                      (that service's virtual host)
 *   Cluster             outbound|<port>|<subset>|<host>    (EDS; subset empty for all pods)
 *   ClusterLoadAssignment for each cluster: its ready pods
 * Each proxyless listener has its own route configuration (Envoy sidecars'
 * socket listeners will share one per port, named "<port>", as Istio's do): a
 * client then receives only the routes of the services it calls, and a change
 * to one service's routes reaches only that service's clients.
 * Intents become routes in the order server/intents/routes.ts plans (the
 * same as the VirtualService's), built by routes.ts: matches, weighted
 * clusters, the fault filter's per-route config, timeouts, retries, hash
 * policies and mirroring; load balancer policy, circuit breaking and outlier
 * detection on the clusters (clusters.ts).
 */
export interface EnvoyResources {
  listeners: Record<string, Record<string, unknown>>;
  routes: Record<string, Record<string, unknown>>;
  clusters: Record<string, Record<string, unknown>>;
  endpoints: Record<string, Record<string, unknown>>;
}

export { clusterName, duration, FAULT_FILTER };

/** The listener's HttpConnectionManager, before it is packed into an Any by the snapshot. */
export interface ApiListenerSpec {
  routeConfigName: string;
}

/** Every service's resources for one kind of client, plus sidecars' shared per-port listeners and routes (from the same kind's routes). */
export function buildResources(mesh: MeshSnapshot, intents: IntentDraft[], client: ClientKind = "proxyless"): EnvoyResources {
  const out: EnvoyResources = { listeners: {}, routes: {}, clusters: {}, endpoints: {} };
  const inputs = serviceInputs(mesh, intents);
  const parts = inputs.map((input) => buildServiceResources(input, client));
  for (const r of parts) for (const k of ["listeners", "routes", "clusters", "endpoints"] as const) Object.assign(out[k], r[k]);
  // The shared per-port configurations only sidecars use: made of Envoy's routes.
  const shared = sidecarResources(client === "envoy" ? parts.map((r) => r.routes) : inputs.map((input) => buildServiceResources(input, "envoy").routes));
  Object.assign(out.listeners, shared.listeners);
  Object.assign(out.routes, shared.routes);
  if (Object.keys(shared.listeners).length) Object.assign(out.clusters, sidecarClusters());
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
  if (byPort.size > 0) listeners[VIRTUAL_OUTBOUND] = { name: VIRTUAL_OUTBOUND, outbound: true };
  return { listeners, routes };
}

/**
 * What istiod gives every sidecar for its outbound side
 * (pilot/pkg/networking/core/listener.go buildVirtualOutboundListener,
 * cluster_builder.go buildDefaultPassthroughCluster / buildBlackHoleCluster):
 * under Istio's iptables redirection every outbound connection arrives at
 * 15001; with use_original_dst Envoy hands it to the port listener for its
 * original destination (those are not bound themselves), and a connection
 * no port listener takes goes where it was going (PassthroughCluster).
 */
export const VIRTUAL_OUTBOUND = "virtualOutbound";
export const PASSTHROUGH_CLUSTER = "PassthroughCluster";
export const BLACKHOLE_CLUSTER = "BlackHoleCluster";
export function sidecarClusters(): Record<string, Record<string, unknown>> {
  return {
    [BLACKHOLE_CLUSTER]: { name: BLACKHOLE_CLUSTER, type: "STATIC", connect_timeout: { seconds: 10 }, load_assignment: { cluster_name: BLACKHOLE_CLUSTER } },
    [PASSTHROUGH_CLUSTER]: { name: PASSTHROUGH_CLUSTER, type: "ORIGINAL_DST", lb_policy: "CLUSTER_PROVIDED", connect_timeout: { seconds: 10 } },
  };
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

/** One service's listeners, routes, clusters and load assignments, for one kind of client. */
export function buildServiceResources(input: ServiceInput, client: ClientKind = "proxyless"): EnvoyResources {
  const out: EnvoyResources = { listeners: {}, routes: {}, clusters: {}, endpoints: {} };
  const s = input.service;
  const k = specsByKind(input.intents);
  const plan = httpRoutePlan(k);
  const lb = k["load-balancer"];
  const cb = k["circuit-breaking"];
  const mirror = k.mirroring;
  const { subsets, unversioned } = subsetsOf(s, input.endpoints);
  // Subsets named by intents get clusters even when no pod carries that version any more
  // (as Istio does): those routes fail alone, instead of the whole snapshot becoming inconsistent.
  const referenced = [...plan.flatMap((r) => r.weights ?? []), ...(mirror ? [{ subset: mirror.subset }] : [])].map((w) => w.subset);
  const clusterSubsets = [...new Set([...subsets.map((x) => x.name), ...referenced])].sort();
  const passthrough = isPassthrough(client, lb);
  for (const p of s.ports) {
    const policy = clusterPolicy(client, lb, cb, p.protocol);
    const listener = `${s.hostname}:${p.port}`;
    out.listeners[listener] = { name: listener, api_listener: { routeConfigName: listener } satisfies ApiListenerSpec };
    const routes = envoyRoutes(plan, { port: p.port, host: s.hostname, client, timeouts: k["timeouts-retries"], mirror, lb });
    const short = [s.name, `${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, s.hostname];
    out.routes[listener] = { name: listener, virtual_hosts: [{ name: listener, domains: short.flatMap((d) => [d, `${d}:${p.port}`]), routes }] };

    const endpointsOf = (subset: string) =>
      (subset ? (subsets.find((x) => x.name === subset)?.endpoints ?? []) : [...subsets.flatMap((x) => x.endpoints), ...unversioned])
        .filter((e) => e.ready)
        .map((e) => ({ address: e.address, port: e.ports.find((x) => x.name === p.targetPortName)?.port ?? p.port }))
        .sort((a, b) => (a.address + a.port < b.address + b.port ? -1 : 1));
    for (const subset of ["", ...clusterSubsets]) {
      const name = clusterName(p.port, subset, s.hostname);
      out.clusters[name] = passthrough
        ? { name, type: "ORIGINAL_DST", ...policy }
        : { name, type: "EDS", eds_cluster_config: { eds_config: { ads: {}, resource_api_version: "V3" }, service_name: name }, ...policy };
      out.endpoints[name] = {
        cluster_name: name,
        // gRPC requires a locality with a weight on each group of endpoints.
        endpoints: [{ locality: { region: "sextant", zone: "local" }, load_balancing_weight: { value: 1 }, lb_endpoints: endpointsOf(subset).map((e) => ({ endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } }, health_status: "HEALTHY" })) }],
      };
    }
  }
  return out;
}
