import type { LayoutOptions } from "cytoscape";

/**
 * The layouts an operator can choose, by name. "layered" is computed by
 * layered.ts and applied as preset positions; the others are cytoscape's.
 * Costs measured on these machines for 1,000 nodes (../shared/ENVIRONMENT.md):
 * grid 0.1 s, breadthfirst 0.4 s, fcose in draft quality 0.5 s, concentric ~0.2 s.
 */
export type LayoutName = "layered" | "breadthfirst" | "concentric" | "grid" | "fcose";

export const LAYOUT_LABELS: Record<LayoutName, string> = {
  layered: "Layered (left to right)",
  breadthfirst: "Breadth-first",
  concentric: "Concentric",
  grid: "Grid",
  fcose: "Force-directed",
};

export function layoutOptions(name: Exclude<LayoutName, "layered">, nodeCount: number): LayoutOptions {
  const animate = false;
  switch (name) {
    case "breadthfirst":
      return { name, directed: true, spacingFactor: 1.1, animate };
    case "concentric":
      return { name, minNodeSpacing: 30, animate };
    case "grid":
      return { name, avoidOverlap: true, animate };
    case "fcose":
      // Draft quality keeps large graphs fast (0.5 s for 1,000 nodes here, against 15 s at default).
      return { name, quality: nodeCount > 300 ? "draft" : "default", randomize: true, animate, nodeRepulsion: 6000, idealEdgeLength: 90 } as LayoutOptions;
  }
}
