import type { ServiceInput } from "./resources";

/**
 * What an Envoy sidecar receives for its own pod, as Istio's do: one
 * `virtualInbound` listener on 15006 (where iptables sends inbound traffic)
 * with a filter chain per port the pod serves, each an HttpConnectionManager
 * with an inline route configuration `inbound|<port>||` sending every request
 * to the cluster `inbound|<port>||` (STATIC, 127.0.0.1:<port>: the app in the
 * same pod). Pure.
 *
 * Rate limits (SmartLimiter, server/limiter) are added per port: the local
 * rate limit filter before the router, rate_limits actions on the route and
 * its token buckets in typed_per_filter_config, the same patches the
 * generated EnvoyFilter applies to an Istio sidecar.
 */
export const INBOUND_LISTENER = "virtualInbound";
export const INBOUND_PORT = 15006;
export const inboundClusterName = (port: number) => `inbound|${port}||`;

/**
 * What the rate limits add to one inbound port: route rate_limits as plain
 * Envoy objects (protobuf field names); filter and per-route configs as
 * protobuf JSON (durations "60s", wrappers as plain values), the form an
 * EnvoyFilter carries them in, so both outputs come from one builder.
 */
export interface InboundRateLimit {
  /** HTTP filters to insert before the router, in order: name + typed config (type URL + protobuf JSON). */
  filters: { name: string; typeUrl: string; config: Record<string, unknown> }[];
  /** route.rate_limits (envoy.config.route.v3.RateLimit). */
  rateLimits: Record<string, unknown>[];
  /** typed_per_filter_config of the route: filter name -> type URL + protobuf JSON. */
  perRoute: Record<string, { typeUrl: string; config: Record<string, unknown> }>;
}

/** One port a pod serves: the services reaching it there, and its rate limits if any. */
export interface InboundChain {
  port: number;
  hosts: string[];
  rateLimit?: InboundRateLimit;
}

/** The sidecar listener's spec before its filter chains are packed (see snapshot.ts). */
export interface InboundListenerSpec {
  chains: InboundChain[];
}

/** Istio's proxy key for a pod: "<pod>.<namespace>", as in the node id sidecar~ip~pod.ns~... */
export const proxyKey = (pod: string, namespace: string) => `${pod}.${namespace}`;

/** A port a pod serves (its container port) for one service, and the service port clients dial. */
export interface InboundPort {
  port: number;
  servicePort: number;
  host: string;
}

/** Per pod of one service, the ports it serves for that service. */
export function serviceInboundPorts(input: ServiceInput): Map<string, InboundPort[]> {
  const out = new Map<string, InboundPort[]>();
  for (const e of input.endpoints) {
    const ports = input.service.ports.map((p) => ({ port: e.ports.find((x) => x.name === p.targetPortName)?.port ?? p.port, servicePort: p.port, host: input.service.hostname }));
    out.set(proxyKey(e.pod, e.namespace), ports);
  }
  return out;
}

/** A pod's inbound chains from what each of its services says, merged by port, in a stable order. */
export function inboundChains(ports: { port: number; host: string }[], rateLimits: Map<number, InboundRateLimit> = new Map()): InboundChain[] {
  const byPort = new Map<number, Set<string>>();
  for (const p of ports) (byPort.get(p.port) ?? byPort.set(p.port, new Set()).get(p.port)!).add(p.host);
  return [...byPort.keys()]
    .sort((a, b) => a - b)
    .map((port) => ({ port, hosts: [...byPort.get(port)!].sort(), ...(rateLimits.get(port) ? { rateLimit: rateLimits.get(port) } : {}) }));
}

/** The listener and clusters for one pod's sidecar (plain objects; the listener's chains are packed by the snapshot). */
export function inboundResources(chains: InboundChain[]): { listeners: Record<string, Record<string, unknown>>; clusters: Record<string, Record<string, unknown>> } {
  if (chains.length === 0) return { listeners: {}, clusters: {} };
  const clusters: Record<string, Record<string, unknown>> = {};
  for (const c of chains) {
    const name = inboundClusterName(c.port);
    clusters[name] = {
      name,
      type: "STATIC",
      connect_timeout: { seconds: 10, nanos: 0 },
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: c.port } } } }] }] },
    };
  }
  return { listeners: { [INBOUND_LISTENER]: { name: INBOUND_LISTENER, inbound: { chains } satisfies InboundListenerSpec } }, clusters };
}

/** The inline route configuration of one inbound chain. */
export function inboundRouteConfiguration(c: InboundChain, pack: (typeUrl: string, o: Record<string, unknown>) => unknown): Record<string, unknown> {
  const name = inboundClusterName(c.port);
  const rl = c.rateLimit;
  return {
    name,
    virtual_hosts: [
      {
        name: `inbound|http|${c.port}`,
        domains: ["*"],
        routes: [
          {
            name: "default",
            match: { prefix: "/" },
            route: { cluster: name, timeout: { seconds: 0, nanos: 0 }, ...(rl?.rateLimits.length ? { rate_limits: rl.rateLimits } : {}) },
            ...(rl && Object.keys(rl.perRoute).length
              ? { typed_per_filter_config: Object.fromEntries(Object.keys(rl.perRoute).sort().map((k) => [k, pack(rl.perRoute[k]!.typeUrl, rl.perRoute[k]!.config)])) }
              : {}),
          },
        ],
      },
    ],
  };
}

/** Seconds as a protobuf JSON duration: 60 -> "60s", 0.5 -> "0.500s". */
export function protoDuration(s: number): string {
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(3)}s`;
}

type LocalDescriptor = { entries: { key: string; value: string }[]; token_bucket: { max_tokens: number; tokens_per_fill: number; fill_interval: string } };

/** Envoy's local rate limit refuses fill intervals under 50 ms. */
const MIN_FILL_MS = 50;
const msOf = (d: string) => Math.round(parseFloat(d) * 1000);
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * A LocalRateLimit's descriptors made acceptable to Envoy
 * (source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc):
 * "local rate descriptor limit is not a multiple of token bucket fill timer"
 * - every descriptor's fill interval must be a multiple of the filter's own
 * token bucket's, so the filter's is the greatest common divisor of theirs
 * and one second (each first rounded to a multiple of 50 ms, Envoy's minimum); and
 * "duplicate descriptor in the local rate descriptor" - descriptors with the
 * same entries are one: the most restrictive (fewest tokens per second) is
 * kept. Pure; also applied when two limiters' descriptors meet on one route.
 */
export function settleLocalDescriptors(config: Record<string, unknown>): Record<string, unknown> {
  const list = (config.descriptors ?? []) as LocalDescriptor[];
  if (list.length === 0) return config;
  const rate = (d: LocalDescriptor) => d.token_bucket.tokens_per_fill / msOf(d.token_bucket.fill_interval);
  const byEntries = new Map<string, LocalDescriptor>();
  for (const d of list) {
    const key = JSON.stringify(d.entries);
    const seen = byEntries.get(key);
    if (!seen || rate(d) < rate(seen)) byEntries.set(key, d);
  }
  const descriptors = list
    .filter((d) => byEntries.get(JSON.stringify(d.entries)) === d)
    .map((d) => {
      const ms = Math.max(MIN_FILL_MS, Math.round(msOf(d.token_bucket.fill_interval) / MIN_FILL_MS) * MIN_FILL_MS);
      return { ...d, token_bucket: { ...d.token_bucket, fill_interval: protoDuration(ms / 1000) } };
    });
  // One second when every interval allows it (as Slime's documented EnvoyFilters have it).
  const timer = descriptors.reduce((g, d) => gcd(g, msOf(d.token_bucket.fill_interval)), 1000);
  const bucket = config.token_bucket as { max_tokens: number; tokens_per_fill: number; fill_interval: string };
  return { ...config, token_bucket: { ...bucket, fill_interval: protoDuration(timer / 1000) }, descriptors };
}
