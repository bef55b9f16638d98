import type { Core } from "cytoscape";
import type { Graph } from "@/server/metrics/graph/types";
import { type Point, layeredLayout } from "./layered";

/** Viewport helpers of the graph canvas (CytoscapeGraph.tsx): fit, keep in view, the quick layered positions. */

/** Pans, without zooming, so a node or edge is inside the canvas with a margin. */
export function keepInView(cy: Core, id: string): void {
  const el = cy.getElementById(id);
  if (el.empty()) return;
  const p = el.isNode() ? el.renderedPosition() : (el as unknown as { renderedMidpoint(): Point }).renderedMidpoint();
  const margin = 60;
  const w = cy.width();
  const h = cy.height();
  if (p.x >= margin && p.x <= w - margin && p.y >= margin && p.y <= h - margin) return;
  const pan = cy.pan();
  cy.pan({ x: pan.x + (w / 2 - p.x), y: pan.y + (h / 2 - p.y) });
}

/**
 * Fits the view to the nodes' known positions. cy.fit() asks cytoscape for
 * the bounding box of every element, which forces style and label measurement
 * of the whole graph at once (over a second for 4,000 elements here); the
 * positions are already known, so the viewport is computed from them.
 */
export function fitToPositions(cy: Core, all: Map<string, Point>): void {
  // Only nodes on the canvas now (positions of nodes from another graph type are kept for their return).
  const positions = [...all].filter(([id]) => cy.getElementById(id).nonempty()).map(([, p]) => p);
  if (positions.length === 0) {
    cy.fit(undefined, 30);
    return;
  }
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of positions) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  // Room for node size, labels and the padding of namespace/app boxes.
  const margin = 90;
  const w = maxX - minX + 2 * margin;
  const h = maxY - minY + 2 * margin;
  const zoom = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), 1.5, cy.width() / w, cy.height() / h));
  cy.viewport({ zoom, pan: { x: cy.width() / 2 - zoom * (minX + maxX) / 2, y: cy.height() / 2 - zoom * (minY + maxY) / 2 } });
}

export function layered(g: Graph): Map<string, Point> {
  const leaves = g.nodes.filter((n) => n.kind !== "box");
  // Nodes without a namespace (unknown sources/destinations) have no box: they
  // sit in the band of the first namespace they talk to, next to their traffic.
  const nsOf = new Map(leaves.map((n) => [n.id, n.namespace]));
  const bandOf = (n: (typeof leaves)[number]) => {
    if (n.namespace !== "unknown") return n.namespace;
    const e = g.edges.find((x) => x.source === n.id || x.target === n.id);
    return (e && nsOf.get(e.source === n.id ? e.target : e.source)) ?? n.namespace;
  };
  return layeredLayout(
    leaves.map((n) => ({ id: n.id, group: bandOf(n), subgroup: n.app })),
    g.edges.map((e) => ({ source: e.source, target: e.target })),
  );
}
