import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { Graph } from "@/server/metrics/graph/types";
import type { Point } from "./layered";

/**
 * The graph as ELK's compound-aware layered layout sees it: namespace boxes
 * (and app boxes) as parents, left to right, entry points (ingress, callers
 * from outside the mesh) in the first layer. Pure: graph in, ELK graph out;
 * positions back out of ELK's answer as node centres in the canvas's
 * coordinates. Up to ELK_MAX_NODES nodes; beyond that the cheaper layered.ts.
 */
export const ELK_MAX_NODES = 300;

/** Node size as drawn (styles.ts) plus room for its label under it. */
const NODE = { width: 60, height: 52 };

/**
 * Each box is laid out on its own, then the boxes (and nodes outside them) as
 * one layered graph (SEPARATE_CHILDREN): measured on a 200-node / 600-edge
 * mesh with 20 namespaces, laying the whole hierarchy out at once
 * (INCLUDE_CHILDREN) took 2.3 s in Node with model order off and 41 s with
 * it on; this takes a few hundred milliseconds (bench/graph/browser.ts).
 */
const LAYERED: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": "90",
  "elk.spacing.nodeNode": "36",
  "elk.spacing.edgeNode": "20",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
};
const ROOT_OPTIONS: Record<string, string> = { ...LAYERED, "elk.hierarchyHandling": "SEPARATE_CHILDREN", "elk.spacing.componentComponent": "60" };
const BOX_OPTIONS: Record<string, string> = { ...LAYERED, "elk.padding": "[top=28,left=16,bottom=16,right=16]" };

export function toElkGraph(g: Graph): ElkNode {
  const leaves = g.nodes.filter((n) => n.kind !== "box").sort((a, b) => (a.id < b.id ? -1 : 1));
  const boxes = g.nodes.filter((n) => n.kind === "box").sort((a, b) => (a.id < b.id ? -1 : 1));
  const byId = new Map<string, ElkNode>();
  for (const b of boxes) byId.set(b.id, { id: b.id, layoutOptions: BOX_OPTIONS, children: [] });
  for (const n of leaves) {
    const entry = n.isIngress || n.id === "unknown" || n.namespace === "unknown";
    byId.set(n.id, { id: n.id, ...NODE, ...(entry ? { layoutOptions: { "elk.layered.layering.layerConstraint": "FIRST" } } : {}) });
  }
  const root: ElkNode = { id: "root", layoutOptions: ROOT_OPTIONS, children: [], edges: [] };
  for (const n of [...boxes, ...leaves]) {
    const parent = n.parent && byId.has(n.parent) ? byId.get(n.parent)! : root;
    parent.children!.push(byId.get(n.id)!);
  }
  const known = new Set(leaves.map((n) => n.id));
  root.edges = g.edges
    .filter((e) => known.has(e.source) && known.has(e.target) && e.source !== e.target)
    .map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.source], targets: [e.target] }));
  return root;
}

/** Centres of the leaf nodes from ELK's answer (children positions are relative to their parent). */
export function elkPositions(laid: ElkNode): Map<string, Point> {
  const out = new Map<string, Point>();
  const walk = (n: ElkNode, dx: number, dy: number) => {
    for (const c of n.children ?? []) {
      const x = dx + (c.x ?? 0);
      const y = dy + (c.y ?? 0);
      if (c.children && c.children.length > 0) walk(c, x, y);
      else if (!c.id.startsWith("box:")) out.set(c.id, { x: x + (c.width ?? 0) / 2, y: y + (c.height ?? 0) / 2 });
    }
  };
  walk(laid, 0, 0);
  return out;
}
