import type { ElkNode } from "elkjs/lib/elk-api";
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
  const root: ElkNode = { id: "root", layoutOptions: ROOT_OPTIONS, children: [] };
  for (const n of [...boxes, ...leaves]) {
    const parent = n.parent && byId.has(n.parent) ? byId.get(n.parent)! : root;
    parent.children!.push(byId.get(n.id)!);
  }
  // Laid out box by box (SEPARATE_CHILDREN), ELK only weighs the edges a box holds between its own
  // children. So each call between two nodes becomes an edge between their ancestors that are
  // siblings (two app boxes, two namespace boxes, or the nodes themselves), held by the box (or
  // root) that contains both: what calls what then orders the boxes as well as the nodes.
  const parent = new Map(g.nodes.map((n) => [n.id, n.parent && byId.has(n.parent) ? n.parent : "root"]));
  const chain = (id: string) => {
    const out = [id];
    for (let p = parent.get(id); p && p !== "root"; p = parent.get(p)) out.unshift(p);
    return ["root", ...out];
  };
  const known = new Set(leaves.map((n) => n.id));
  // Between boxes, the calls are summed by traffic; the heaviest are kept as long as they add no
  // cycle, at most 3 per box: enough to order the boxes by their main flows (ELK's cost grows fast
  // with dense cyclic edges between few nodes: 306 between 20 namespaces took 1.5 s, this < 0.5 s).
  const between = new Map<string, { holder: string; from: string; to: string; weight: number }>();
  for (const e of [...g.edges].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target) continue;
    const a = chain(e.source);
    const b = chain(e.target);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    const [holder, from, to] = [a[i - 1]!, a[i]!, b[i]!];
    const key = `${from}>${to}`;
    const x = between.get(key) ?? { holder, from, to, weight: 0 };
    x.weight += Math.max(e.rps, 1e-6);
    between.set(key, x);
  }
  const boxIds = new Set(boxes.map((b) => b.id));
  const kept = new Map<string, string[]>(); // from -> to, of box edges kept (for the cycle check)
  const reaches = (from: string, to: string): boolean => {
    const stack = [from];
    const visited = new Set<string>();
    while (stack.length) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (visited.has(n)) continue;
      visited.add(n);
      stack.push(...(kept.get(n) ?? []));
    }
    return false;
  };
  const perHolder = new Map<string, number>();
  const ordered = [...between.values()].sort((x, y) => y.weight - x.weight || (`${x.from}>${x.to}` < `${y.from}>${y.to}` ? -1 : 1));
  for (const x of ordered) {
    const box = x.holder === "root" ? root : byId.get(x.holder)!;
    if (boxIds.has(x.from) || boxIds.has(x.to)) {
      const cap = 3 * (box.children?.length ?? 1);
      if ((perHolder.get(x.holder) ?? 0) >= cap || reaches(x.to, x.from)) continue;
      perHolder.set(x.holder, (perHolder.get(x.holder) ?? 0) + 1);
      kept.set(x.from, [...(kept.get(x.from) ?? []), x.to]);
    }
    (box.edges ??= []).push({ id: `${x.from}>${x.to}`, sources: [x.from], targets: [x.to] });
  }
  for (const b of [root, ...byId.values()]) b.edges?.sort((p, q) => (p.id < q.id ? -1 : 1));
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
