import type { IntentDraft, IntentKind, RequestMatch, SpecOf } from "../intents/schemas";
import { type HostSpecs, httpRoutePlan, specsByKind } from "../intents/routes";
import { ISTIO_API, MANAGED_BY, MANAGED_BY_LABEL, type DestinationRule, type HttpRoute, type RenderedObject, type RouteDestination, type VirtualService, objectKey } from "./istio";

/**
 * Intents -> Istio objects. Pure: the service (host and subsets) and its
 * intents in, one VirtualService and one DestinationRule per host out, with
 * a defined merge order, so the same intents always give the same bytes.
 *
 * HTTP routes of a host, first match wins, in the order of
 * server/intents/routes.ts (a fault limited to some requests combined with
 * the routing rules, the fault alone, the rules, the default route).
 * Applied to every route: timeouts and retries, mirroring. TCP traffic shifting becomes the tcp routes.
 * The DestinationRule carries every subset of the service (one per version
 * label) and the traffic policy (load balancer, connection pool, outlier
 * detection).
 */
export interface ServiceTarget {
  namespace: string;
  name: string;
  hostname: string;
  /** Subset names: the service's version label values. */
  subsets: string[];
}

const VS_KINDS: IntentKind[] = ["traffic-shift", "request-routing", "fault-injection", "timeouts-retries", "mirroring"];

type ByKind = HostSpecs;
const byKind = specsByKind;

function meta(service: ServiceTarget) {
  return { name: service.name, namespace: service.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } };
}

/** Weighted subsets -> route destinations. Zero weights are dropped; a lone destination carries no weight (as Istio's samples). */
export function routeOf(host: string, weights: { subset: string; weight: number }[]): RouteDestination[] {
  const live = weights.filter((w) => w.weight > 0);
  if (live.length === 1) return [{ destination: { host, subset: live[0]!.subset } }];
  return live.map((w) => ({ destination: { host, subset: w.subset }, weight: w.weight }));
}

export function istioMatch(m: RequestMatch): Record<string, unknown> {
  const sortRecord = <T>(r: Record<string, T>) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
  return {
    ...(m.uri ? { uri: m.uri } : {}),
    ...(m.method ? { method: m.method } : {}),
    ...(m.headers ? { headers: sortRecord(m.headers) } : {}),
    ...(m.queryParams ? { queryParams: sortRecord(m.queryParams) } : {}),
  };
}

function faultOf(f: SpecOf<"fault-injection">): Record<string, unknown> {
  return {
    ...(f.delay ? { delay: { percentage: { value: f.delay.percentage }, fixedDelay: f.delay.fixedDelay } } : {}),
    ...(f.abort ? { abort: { percentage: { value: f.abort.percentage }, httpStatus: f.abort.httpStatus } } : {}),
  };
}

export function virtualService(service: ServiceTarget, k: ByKind): VirtualService | undefined {
  if (!VS_KINDS.some((kind) => k[kind])) return undefined;
  const host = service.hostname;
  const shift = k["traffic-shift"];
  const http: HttpRoute[] = httpRoutePlan(k).map((p) => ({
    ...(p.declared ? { name: p.declared } : {}),
    ...(p.match ? { match: p.match.map(istioMatch) } : {}),
    ...(p.fault ? { fault: faultOf(p.fault) } : {}),
    route: p.weights ? routeOf(host, p.weights) : [{ destination: { host } }],
  }));

  const timeouts = k["timeouts-retries"];
  const mirror = k.mirroring;
  for (const r of http) {
    if (timeouts?.timeout) r.timeout = timeouts.timeout;
    if (timeouts?.retries) {
      r.retries = {
        attempts: timeouts.retries.attempts,
        ...(timeouts.retries.perTryTimeout ? { perTryTimeout: timeouts.retries.perTryTimeout } : {}),
        ...(timeouts.retries.retryOn?.length ? { retryOn: [...new Set(timeouts.retries.retryOn)].join(",") } : {}),
      };
    }
    if (mirror) {
      r.mirror = { host, subset: mirror.subset };
      r.mirrorPercentage = { value: mirror.percentage };
    }
  }
  // Only HTTP intents besides a TCP shift: the http section still routes to the host.
  const onlyTcp = shift?.protocol === "tcp" && !VS_KINDS.filter((x) => x !== "traffic-shift").some((kind) => k[kind]);
  return {
    apiVersion: ISTIO_API,
    kind: "VirtualService",
    metadata: meta(service),
    spec: {
      hosts: [host],
      ...(onlyTcp ? {} : { http: http.map(orderRoute) }),
      ...(shift?.protocol === "tcp" ? { tcp: [{ route: routeOf(host, shift.weights) }] } : {}),
    },
  };
}

/** Istio's field order for an HTTP route, so YAML reads like Istio's docs. */
function orderRoute(r: HttpRoute): HttpRoute {
  const keys: (keyof HttpRoute)[] = ["name", "match", "fault", "route", "timeout", "retries", "mirror", "mirrorPercentage"];
  return Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]])) as unknown as HttpRoute;
}

export function destinationRule(service: ServiceTarget, k: ByKind, vs: VirtualService | undefined): DestinationRule | undefined {
  const lb = k["load-balancer"];
  const cb = k["circuit-breaking"];
  const usesSubsets = !!vs && JSON.stringify(vs.spec).includes('"subset"');
  if (!lb && !cb && !usesSubsets) return undefined;
  const trafficPolicy: Record<string, unknown> = {
    ...(lb ? { loadBalancer: lb } : {}),
    ...(cb?.connectionPool ? { connectionPool: cb.connectionPool } : {}),
    ...(cb?.outlierDetection ? { outlierDetection: cb.outlierDetection } : {}),
  };
  const subsets = [...new Set(service.subsets)].sort().map((name) => ({ name, labels: { version: name } }));
  return {
    apiVersion: ISTIO_API,
    kind: "DestinationRule",
    metadata: meta(service),
    spec: {
      host: service.hostname,
      ...(Object.keys(trafficPolicy).length ? { trafficPolicy } : {}),
      ...(subsets.length ? { subsets } : {}),
    },
  };
}

/** The objects for one host. */
export function translateHost(service: ServiceTarget, intents: IntentDraft[]): RenderedObject[] {
  const k = byKind(intents.filter((i) => i.namespace === service.namespace && i.target === service.name));
  const vs = virtualService(service, k);
  const dr = destinationRule(service, k, vs);
  return [vs, dr].filter((o): o is RenderedObject => o !== undefined);
}

/** The objects for every host that has intents, in a stable order (kind, namespace, name). */
export function translateAll(services: ServiceTarget[], intents: IntentDraft[]): RenderedObject[] {
  const hosts = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const targets = [...new Set(intents.map((i) => `${i.namespace}/${i.target}`))].sort();
  return targets
    .flatMap((t) => {
      const s = hosts.get(t);
      return s ? translateHost(s, intents) : [];
    })
    .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0));
}
