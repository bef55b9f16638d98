import { proxyKey } from "./inbound";

/** Istio's node id: sidecar~10.1.2.3~reviews-v2-xyz.default~default.svc.cluster.local; anything else is kept as is. */
export function parseNodeId(id: string): { kind: string; ip?: string; pod?: string; namespace?: string } {
  const parts = id.split("~");
  if (parts.length === 4) {
    const [kind, ip, podNs] = parts as [string, string, string, string];
    const dot = podNs.lastIndexOf(".");
    return { kind, ip, pod: dot > 0 ? podNs.slice(0, dot) : podNs, namespace: dot > 0 ? podNs.slice(dot + 1) : undefined };
  }
  return { kind: "proxyless" };
}

/** The pod a node id names ("<pod>.<namespace>"), for Istio-form ids that name one. */
export function nodeProxyKey(id: string): string | undefined {
  const n = parseNodeId(id);
  return n.pod && n.namespace ? proxyKey(n.pod, n.namespace) : undefined;
}
