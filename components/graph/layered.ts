/**
 * A layered (left-to-right) layout, cheap enough for thousands of nodes: the
 * readable shape Kiali gets from dagre, without dagre's cost (which does not
 * finish for 1,000 nodes on these machines, see ../shared/ENVIRONMENT.md).
 *
 *  1. layers: longest path from the roots, after dropping the edges that close
 *     cycles (found by depth-first search);
 *  2. order within a layer: grouped by namespace (each namespace keeps its own
 *     horizontal band, so namespace boxes never overlap) and by app (versions
 *     of an app stay together), then by the barycenter of neighbours in the
 *     adjacent layer, a few sweeps down and up, to reduce crossings;
 *  3. coordinates: x by layer, y by band and position in the layer.
 * Pure: same graph in, same positions out.
 */
export interface LayoutNode {
  id: string;
  /** Band: nodes of one group (namespace) share a horizontal band. */
  group: string;
  /** Nodes of one subgroup (app) are kept next to each other. */
  subgroup?: string;
}

export interface LayoutEdge {
  source: string;
  target: string;
}

export interface Point {
  x: number;
  y: number;
}

export const LAYER_GAP = 220;
export const NODE_GAP = 90;
export const BAND_GAP = 110;

export function layeredLayout(nodes: LayoutNode[], edges: LayoutEdge[], sweeps = 4): Map<string, Point> {
  const ids = [...nodes].sort((a, b) => cmp(a.id, b.id));
  const byId = new Map(ids.map((n) => [n.id, n]));
  const out = new Map<string, string[]>();
  const inc = new Map<string, string[]>();
  for (const n of ids) {
    out.set(n.id, []);
    inc.set(n.id, []);
  }
  for (const e of [...edges].sort((a, b) => cmp(a.source, b.source) || cmp(a.target, b.target))) {
    if (e.source === e.target || !byId.has(e.source) || !byId.has(e.target)) continue;
    out.get(e.source)!.push(e.target);
  }

  // 1. Break cycles: an edge to a node on the current DFS path is a back edge.
  const state = new Map<string, 0 | 1 | 2>();
  const dag = new Map<string, string[]>(ids.map((n) => [n.id, []]));
  const starts = [...ids.filter((n) => !edges.some((e) => e.target === n.id && e.source !== n.id)), ...ids];
  for (const start of starts) {
    if (state.get(start.id)) continue;
    const stack: { id: string; i: number }[] = [{ id: start.id, i: 0 }];
    state.set(start.id, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = out.get(top.id)![top.i++];
      if (next === undefined) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const s = state.get(next) ?? 0;
      if (s === 1) continue; // back edge: closes a cycle
      dag.get(top.id)!.push(next);
      if (s === 0) {
        state.set(next, 1);
        stack.push({ id: next, i: 0 });
      }
    }
  }
  for (const [src, targets] of dag) for (const t of targets) inc.get(t)!.push(src);

  // Longest path layering (Kahn's order).
  const layer = new Map<string, number>();
  const indeg = new Map(ids.map((n) => [n.id, inc.get(n.id)!.length]));
  const queue = ids.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q]!;
    const l = layer.get(id) ?? 0;
    layer.set(id, l);
    for (const t of dag.get(id)!) {
      layer.set(t, Math.max(layer.get(t) ?? 0, l + 1));
      indeg.set(t, indeg.get(t)! - 1);
      if (indeg.get(t) === 0) queue.push(t);
    }
  }
  const layers: string[][] = [];
  for (const n of ids) (layers[layer.get(n.id) ?? 0] ??= []).push(n.id);

  // 2. Ordering by group, subgroup, barycenter.
  const groups = [...new Set(ids.map((n) => n.group))].sort(cmp);
  const groupIndex = new Map(groups.map((g, i) => [g, i]));
  const pos = new Map<string, number>();
  const sortLayer = (l: string[], neighbours: (id: string) => string[]) => {
    const bary = new Map<string, number>();
    for (const id of l) {
      const ns = neighbours(id).filter((x) => pos.has(x));
      bary.set(id, ns.length ? ns.reduce((a, x) => a + pos.get(x)!, 0) / ns.length : (pos.get(id) ?? 0));
    }
    const sub = new Map<string, number[]>();
    for (const id of l) {
      const k = subKey(byId.get(id)!);
      (sub.get(k) ?? sub.set(k, []).get(k)!).push(bary.get(id)!);
    }
    const subBary = new Map([...sub].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
    l.sort((a, b) => {
      const na = byId.get(a)!;
      const nb = byId.get(b)!;
      return (
        groupIndex.get(na.group)! - groupIndex.get(nb.group)! ||
        subBary.get(subKey(na))! - subBary.get(subKey(nb))! ||
        cmp(subKey(na), subKey(nb)) ||
        bary.get(a)! - bary.get(b)! ||
        cmp(a, b)
      );
    });
    l.forEach((id, i) => pos.set(id, i));
  };
  for (const l of layers) sortLayer(l ?? [], () => []);
  for (let s = 0; s < sweeps; s++) {
    for (let i = 1; i < layers.length; i++) sortLayer(layers[i] ?? [], (id) => inc.get(id)!);
    for (let i = layers.length - 2; i >= 0; i--) sortLayer(layers[i] ?? [], (id) => dag.get(id)!);
  }

  // 3. Coordinates: each group owns a band as tall as its fullest layer.
  const bandSize = new Map<string, number>();
  for (const l of layers) {
    const counts = new Map<string, number>();
    for (const id of l ?? []) counts.set(byId.get(id)!.group, (counts.get(byId.get(id)!.group) ?? 0) + 1);
    for (const [g, c] of counts) bandSize.set(g, Math.max(bandSize.get(g) ?? 0, c));
  }
  const bandTop = new Map<string, number>();
  let y = 0;
  for (const g of groups) {
    bandTop.set(g, y);
    y += (bandSize.get(g) ?? 1) * NODE_GAP + BAND_GAP;
  }
  const result = new Map<string, Point>();
  layers.forEach((l, li) => {
    const inGroup = new Map<string, string[]>();
    for (const id of l ?? []) (inGroup.get(byId.get(id)!.group) ?? inGroup.set(byId.get(id)!.group, []).get(byId.get(id)!.group)!).push(id);
    for (const [g, members] of inGroup) {
      const offset = (((bandSize.get(g) ?? 1) - members.length) * NODE_GAP) / 2;
      members.forEach((id, i) => result.set(id, { x: li * LAYER_GAP, y: bandTop.get(g)! + offset + i * NODE_GAP }));
    }
  });
  return result;
}

/**
 * Positions for nodes that appeared since the last layout: where the layered
 * layout of the whole graph would put them, moved down until they do not sit
 * on a node that already has a place. Existing nodes never move.
 */
export function placeNewNodes(known: Map<string, Point>, layout: Map<string, Point>, newIds: string[]): Map<string, Point> {
  const taken = [...known.values()];
  const placed = new Map<string, Point>();
  for (const id of [...newIds].sort(cmp)) {
    const p = { ...(layout.get(id) ?? { x: 0, y: 0 }) };
    while (taken.some((q) => Math.abs(q.x - p.x) < NODE_GAP * 0.8 && Math.abs(q.y - p.y) < NODE_GAP * 0.8)) p.y += NODE_GAP;
    taken.push(p);
    placed.set(id, p);
  }
  return placed;
}

const subKey = (n: LayoutNode) => `${n.group}\u0000${n.subgroup ?? n.id}`;
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
