import type { GraphNode } from "@/server/metrics/graph/types";

/**
 * What is in force on a node (as Kiali marks VirtualServices and circuit
 * breakers): one glyph per intent kind, and a rate-limit glyph for
 * SmartLimiters. Pure.
 */
export const BADGES: Record<string, { glyph: string; label: string }> = {
  "traffic-shift": { glyph: "⇄", label: "traffic shift" },
  "request-routing": { glyph: "↳", label: "request routing" },
  "fault-injection": { glyph: "⚡", label: "fault injection" },
  "timeouts-retries": { glyph: "◷", label: "timeouts/retries" },
  "circuit-breaking": { glyph: "⊘", label: "circuit breaker" },
  mirroring: { glyph: "⇉", label: "mirroring" },
  "load-balancer": { glyph: "⚖", label: "load balancer" },
  "rate-limit": { glyph: "◔", label: "rate limit" },
};
/** The kinds that change where or how requests into a service go: their badge also marks the edges into it. */
const ON_EDGES = new Set(["traffic-shift", "request-routing", "fault-injection", "mirroring"]);

export interface InForce {
  namespace: string;
  /** The service (and app) the intent or limiter is about. */
  target: string;
  kind: string;
}

/** Does this node stand for the service `target` of `namespace` (its service node, app, versions or workloads)? */
function isOf(n: GraphNode, x: InForce): boolean {
  if (n.namespace !== x.namespace || n.kind === "box") return false;
  return n.service === x.target || n.app === x.target;
}

/** Badge kinds per node id, in BADGES order, for the nodes of a graph. */
export function nodeBadges(nodes: GraphNode[], inForce: InForce[]): Map<string, string[]> {
  const order = Object.keys(BADGES);
  const out = new Map<string, string[]>();
  for (const n of nodes) {
    const kinds = [...new Set(inForce.filter((x) => isOf(n, x)).map((x) => x.kind))].filter((k) => k in BADGES).sort((a, b) => order.indexOf(a) - order.indexOf(b));
    if (kinds.length) out.set(n.id, kinds);
  }
  return out;
}

/** The badge kinds an edge into `target` shows: the ones that steer requests. */
export const edgeBadgeKinds = (targetBadges: string[] | undefined) => (targetBadges ?? []).filter((k) => ON_EDGES.has(k));

export const glyphs = (kinds: string[]) => kinds.map((k) => BADGES[k]!.glyph).join(" ");
