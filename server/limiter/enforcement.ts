import type { MeshSnapshot } from "../mesh/model";
import type { TrafficSource } from "../metrics/source";
import { TYPE } from "../xds/protos";
import type { ProxyConnection } from "../xds/server";
import { parseNodeId } from "../xds/node";
import { limiterPods } from "./metrics";
import { BASE_SET, type SmartLimiter } from "./schema";

/**
 * Whether a limiter bites where Sextant can see: which connected sidecars of
 * its pods hold their inbound listener (the local rate limit rides on it), and
 * how many calls were refused by a rate limit in the last minute (Istio's
 * response flag RL on the destination's report).
 */
export interface Enforcement {
  /** Pods ("pod.namespace") whose sidecar is connected to Sextant's xDS server and has ACKed its listeners. */
  enforcedBy: string[];
  /** Calls refused by a rate limit over the last minute, per minute; null when no traffic source can tell. */
  refusedPerMinute: number | null;
}

export function enforcingProxies(l: SmartLimiter, mesh: MeshSnapshot, proxies: ProxyConnection[]): string[] {
  const pods = new Set(limiterPods(l, mesh).pods(BASE_SET).map((e) => `${e.pod}.${e.namespace}`));
  const out = new Set<string>();
  for (const p of proxies) {
    if (p.client !== "envoy") continue; // proxyless gRPC has no local rate limit filter
    const n = parseNodeId(p.nodeId);
    const key = n.pod && n.namespace ? `${n.pod}.${n.namespace}` : undefined;
    const lds = p.types.find((t) => t.typeUrl === TYPE.listener);
    if (key && pods.has(key) && lds?.ackedVersion && lds.ackedVersion === lds.sentVersion) out.add(key);
  }
  return [...out].sort();
}

export async function refusedPerMinute(l: SmartLimiter, mesh: MeshSnapshot, traffic: TrafficSource | undefined, at: Date): Promise<number | null> {
  if (!traffic) return null;
  const workloads = [...new Set(limiterPods(l, mesh).pods(BASE_SET).map((e) => e.workload))];
  if (workloads.length === 0) return 0;
  const samples = await traffic.rates(
    { metric: "istio_requests_total", match: { reporter: "destination", destination_workload_namespace: l.metadata.namespace, destination_workload: { anyOf: workloads }, response_flags: "RL" }, by: [], windowSeconds: 60 },
    at,
  );
  return Math.round(samples.reduce((a, s) => a + s.value, 0) * 60);
}
