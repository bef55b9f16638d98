"use client";

import type { Core, ElementDefinition, EventObject, NodeSingular } from "cytoscape";
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import type { Graph } from "@/server/metrics/graph/types";
import { type EdgeLabelMode, toElements } from "./elements";
import { elkLayout } from "./elk";
import { ELK_MAX_NODES } from "./elk-graph";
import { type Point, placeNewNodes } from "./layered";
import { type LayoutName, layoutOptions } from "./layouts";
import { graphStyles } from "./styles";
import { fitToPositions, keepInView, layered } from "./viewport";

/**
 * The one place that creates and drives a cytoscape instance. The page above
 * it only passes data and choices; if the graph library changes, this file
 * (with styles.ts and layouts.ts) is what changes.
 *
 * Positions are kept across refreshes: a node that was already drawn keeps its
 * place (or where the operator dragged it); only new nodes are placed, by the
 * layered layout. A full layout runs on first draw, when the layout changes, or
 * on "Re-layout".
 */
/**
 * The graph library loads in the browser only, and starts loading as soon as
 * this module does (with the page), not when the first graph arrives.
 */
const libraries =
  typeof window === "undefined" ? undefined : Promise.all([import("cytoscape"), import("cytoscape-fcose")]);


/** Above this many edges, edges are drawn straight. */
export const LARGE_GRAPH_EDGES = 400;

export interface CytoscapeGraphHandle {
  fit(): void;
  zoomBy(factor: number): void;
  relayout(): void;
  png(): Blob;
}

export interface Selection {
  kind: "node" | "edge";
  id: string;
}

interface Props {
  graph: Graph;
  edgeLabels: EdgeLabelMode;
  layout: LayoutName;
  /** Ids to highlight (others are dimmed); null: no highlight. */
  highlight: Set<string> | null;
  selected: Selection | null;
  onSelect(selection: Selection | null): void;
  /** When this changes (graph type, namespaces), the view is fitted to the next graph drawn. */
  fitKey?: string;
  /** What is in force per node id (badge kinds, see badges.ts). */
  badges?: Map<string, string[]>;
}

/** Read-only hooks for tests and benchmarks (window.sextantGraph). */
export interface GraphProbe {
  nodeIds(): string[];
  edgeIds(): string[];
  position(id: string): Point | undefined;
  /** The label a node or edge shows (badges included). */
  label(id: string): string | undefined;
  /** Page coordinates of a node's centre or an edge's midpoint. */
  clientPoint(id: string): Point | undefined;
  layoutMs: number;
  layouts: number;
}

declare global {
  interface Window {
    sextantGraph?: GraphProbe;
  }
}

const NO_BADGES = new Map<string, string[]>();

export const CytoscapeGraph = forwardRef<CytoscapeGraphHandle, Props>(function CytoscapeGraph({ graph, edgeLabels, layout, highlight, selected, onSelect, fitKey, badges = NO_BADGES }, ref) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const positions = useRef(new Map<string, Point>());
  const onSelectRef = useRef(onSelect);
  const layoutRef = useRef(layout);
  const graphRef = useRef(graph);
  const curveRef = useRef<"bezier" | "straight">("bezier");
  const probe = useRef<GraphProbe | null>(null);
  const selectedRef = useRef(selected);
  const fitKeyRef = useRef(fitKey);
  const fittedFor = useRef(fitKey);
  const focusedRef = useRef<string | null>(null);
  const [announce, setAnnounce] = useState("");
  onSelectRef.current = onSelect;
  graphRef.current = graph;
  selectedRef.current = selected;
  fitKeyRef.current = fitKey;
  const badgesRef = useRef(badges);
  badgesRef.current = badges;

  /** Full layouts started; an ELK answer for an older one (or after a drag) is dropped. */
  const layoutRun = useRef(0);
  /**
   * For graphs up to ELK_MAX_NODES: ELK's compound-aware layered layout, in a
   * Web Worker, replaces the quick layered positions when it answers (the
   * graph is drawn at once, then settles). Larger graphs keep layered.ts.
   */
  const refineWithElk = (cy: Core, g: Graph, started: number) => {
    const leaves = g.nodes.filter((n) => n.kind !== "box").length;
    if (leaves === 0 || leaves > ELK_MAX_NODES) {
      container.current?.setAttribute("data-layout-engine", "layered");
      return;
    }
    const run = layoutRun.current;
    elkLayout(g).then(
      ({ positions: placed, computeMs }) => {
        if (run !== layoutRun.current || cyRef.current !== cy || graphRef.current !== g) return;
        cy.batch(() => placed.forEach((p, id) => cy.getElementById(id).nonempty() && cy.getElementById(id).position(p)));
        placed.forEach((p, id) => positions.current.set(id, p));
        fitToPositions(cy, positions.current);
        container.current?.setAttribute("data-layout-engine", "elk");
        container.current?.setAttribute("data-elk-ms", String(Math.round(performance.now() - started)));
        container.current?.setAttribute("data-elk-compute-ms", String(Math.round(computeMs)));
      },
      () => container.current?.setAttribute("data-layout-engine", "layered"),
    );
  };

  const finishLayout = (cy: Core, started: number) => {
    fitToPositions(cy, positions.current);
    const ms = Math.round(performance.now() - started);
    if (probe.current) {
      probe.current.layoutMs = ms;
      probe.current.layouts++;
    }
    container.current?.setAttribute("data-layout-ms", String(ms));
    container.current?.setAttribute("data-layouts", String(probe.current?.layouts ?? 0));
    // When the laid-out graph has been painted (benchmarks read this).
    requestAnimationFrame(() => requestAnimationFrame(() => container.current?.setAttribute("data-drawn-at", String(performance.now()))));
  };

  const runFullLayout = (cy: Core, name: LayoutName) => {
    const started = performance.now();
    const done = () => {
      cy.nodes().forEach((n) => {
        if (!n.isParent()) positions.current.set(n.id(), { ...n.position() });
      });
      finishLayout(cy, started);
    };
    layoutRun.current++;
    if (name === "layered") {
      const placed = layered(graphRef.current);
      cy.batch(() => cy.nodes().forEach((n) => void (n.isParent() ? undefined : n.position(placed.get(n.id()) ?? { x: 0, y: 0 }))));
      done();
      refineWithElk(cy, graphRef.current, started);
    } else {
      const l = cy.elements().layout(layoutOptions(name, cy.nodes().length));
      l.one("layoutstop", done);
      l.run();
    }
  };

  // Create the instance once.
  useEffect(() => {
    let cy: Core | undefined;
    let disposed = false;
    let resizeObserver: ResizeObserver | undefined;
    void (async () => {
      const [{ default: cytoscape }, { default: fcose }] = await (libraries ?? Promise.all([import("cytoscape"), import("cytoscape-fcose")]));
      if (disposed || !container.current) return;
      const registered = cytoscape as unknown as { __fcose?: boolean; use(ext: unknown): void };
      if (!registered.__fcose) {
        registered.use(fcose);
        registered.__fcose = true;
      }
      cy = cytoscape({ container: container.current, style: graphStyles, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
      cyRef.current = cy;
      cy.on("tap", (e: EventObject) => {
        if (e.target === cy) onSelectRef.current(null);
        else if (e.target.isEdge?.()) onSelectRef.current({ kind: "edge", id: e.target.id() });
        else if (e.target.isNode?.() && !e.target.isParent()) onSelectRef.current({ kind: "node", id: e.target.id() });
      });
      cy.on("dragfree", "node", (e: EventObject) => {
        positions.current.set(e.target.id(), { ...e.target.position() });
        layoutRun.current++; // a layout still running must not move what the operator placed
      });
      probe.current = {
        nodeIds: () => cy!.nodes().filter((n) => !n.isParent()).map((n) => n.id()),
        edgeIds: () => cy!.edges().map((x) => x.id()),
        position: (id) => {
          const el = cy!.getElementById(id);
          return el.nonempty() && el.isNode() ? { ...el.position() } : undefined;
        },
        label: (id) => {
          const el = cy!.getElementById(id);
          return el.nonempty() ? String(el.data("label") ?? "") : undefined;
        },
        clientPoint: (id) => {
          const el = cy!.getElementById(id);
          if (el.empty()) return undefined;
          const p = el.isNode() ? el.renderedPosition() : (el as unknown as { renderedMidpoint(): Point }).renderedMidpoint();
          const box = container.current!.getBoundingClientRect();
          return { x: box.left + p.x, y: box.top + p.y };
        },
        layoutMs: 0,
        layouts: 0,
      };
      window.sextantGraph = probe.current;
      // The canvas changes size when the side panel opens or the window resizes.
      // The selected node stays in view (the side panel opening narrows the canvas).
      const resize = new ResizeObserver(() => {
        cy?.resize();
        if (cy && selectedRef.current) keepInView(cy, selectedRef.current.id);
      });
      resize.observe(container.current);
      resizeObserver = resize;
      sync(cy, graphRef.current, edgeLabelsRef.current, true);
    })();
    return () => {
      disposed = true;
      resizeObserver?.disconnect();
      cy?.destroy();
      cyRef.current = null;
      if (window.sextantGraph === probe.current) delete window.sextantGraph;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const edgeLabelsRef = useRef(edgeLabels);
  edgeLabelsRef.current = edgeLabels;

  /** Brings cytoscape's elements in line with the graph, moving nothing that was already placed. */
  const sync = (cy: Core, g: Graph, mode: EdgeLabelMode, first: boolean) => {
    const next = toElements(g, mode, badgesRef.current);
    // Large graphs: straight edges (bezier geometry for thousands of edges costs seconds here).
    const curve = g.edges.length > LARGE_GRAPH_EDGES ? "straight" : "bezier";
    if (curveRef.current !== curve) {
      curveRef.current = curve;
      cy.style().selector("edge").style({ "curve-style": curve }).update();
    }
    if ((first || positions.current.size === 0) && cy.elements().length === 0 && layoutRef.current === "layered") {
      // First draw: every element created in place, in one call (no second positioning pass).
      const started = performance.now();
      const placed = layered(g);
      cy.add(next.map((el) => (el.group === "nodes" && el.data.kind !== "box" ? { ...el, position: placed.get(el.data.id!) ?? { x: 0, y: 0 } } : el)));
      placed.forEach((p, id) => positions.current.set(id, p));
      finishLayout(cy, started);
      layoutRun.current++;
      refineWithElk(cy, g, started);
      return;
    }
    const wanted = new Set(next.map((el) => el.data.id!));
    const added: ElementDefinition[] = [];
    cy.batch(() => {
      cy.elements().forEach((el) => {
        if (!wanted.has(el.id())) el.remove();
      });
      // Parents first (namespace boxes, then app boxes, then nodes), so children can be added into them.
      const depth = (el: ElementDefinition) => (el.group === "edges" ? 3 : el.data.kind !== "box" ? 2 : el.data.boxType === "namespace" ? 0 : 1);
      for (const el of [...next].sort((a, b) => depth(a) - depth(b))) {
        const existing = cy.getElementById(el.data.id!);
        if (existing.nonempty()) {
          const parentChanged = el.group === "nodes" && (existing.data("parent") ?? undefined) !== (el.data.parent ?? undefined);
          if (!parentChanged) {
            existing.data(el.data);
            continue;
          }
          existing.remove();
        }
        added.push(el);
        cy.add(el);
      }
    });
    const newLeaves = added.filter((el) => el.group === "nodes" && el.data.kind !== "box").map((el) => el.data.id!);
    if (first || positions.current.size === 0) {
      if (cy.nodes().length > 0) runFullLayout(cy, layoutRef.current);
      return;
    }
    if (newLeaves.length > 0) {
      const known = new Map([...positions.current].filter(([id]) => wanted.has(id)));
      const placed = placeNewNodes(known, layered(g), newLeaves);
      cy.batch(() => placed.forEach((p, id) => cy.getElementById(id).position(p)));
      placed.forEach((p, id) => positions.current.set(id, p));
    }
    cy.batch(() => positions.current.forEach((p, id) => cy.getElementById(id).nonempty() && cy.getElementById(id).position(p)));
    // A new graph type or namespace set: show all of it.
    if (fittedFor.current !== fitKeyRef.current) {
      fittedFor.current = fitKeyRef.current;
      fitToPositions(cy, positions.current);
    }
  };

  useEffect(() => {
    const cy = cyRef.current;
    if (cy) sync(cy, graph, edgeLabels, false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph, edgeLabels, badges]);

  useEffect(() => {
    if (layoutRef.current === layout) return;
    layoutRef.current = layout;
    const cy = cyRef.current;
    if (cy) {
      positions.current.clear();
      runFullLayout(cy, layout);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.batch(() => {
      cy.elements().removeClass("dim match");
      if (highlight) {
        cy.elements().forEach((el) => {
          if (el.isNode() && el.isParent()) return;
          el.addClass(highlight.has(el.id()) ? "match" : "dim");
        });
      }
    });
  }, [highlight, graph]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.elements().unselect();
    if (selected) {
      cy.getElementById(selected.id).select();
      keepInView(cy, selected.id);
    }
  }, [selected, graph]);

  /** Keyboard: arrows move a focus ring over the nodes (left to right, top to bottom), Enter opens the focused one, Escape closes. */
  const onKeyDown = (e: React.KeyboardEvent) => {
    const cy = cyRef.current;
    if (!cy) return;
    const step = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
    if (step !== 0) {
      e.preventDefault();
      const order = (cy.nodes().filter((n) => !n.isParent()).toArray() as NodeSingular[]).sort((a, b) => a.position("x") - b.position("x") || a.position("y") - b.position("y"));
      if (order.length === 0) return;
      const at = focusedRef.current ? order.findIndex((n) => n.id() === focusedRef.current) : -1;
      const next = order[at < 0 ? (step > 0 ? 0 : order.length - 1) : (at + step + order.length) % order.length]!;
      cy.nodes(".focused").removeClass("focused");
      next.addClass("focused");
      focusedRef.current = next.id();
      keepInView(cy, next.id());
      setAnnounce(`${next.data("label") ?? next.id()}, ${order.indexOf(next) + 1} of ${order.length}. Enter opens its details.`);
    } else if ((e.key === "Enter" || e.key === " ") && focusedRef.current) {
      e.preventDefault();
      onSelectRef.current({ kind: "node", id: focusedRef.current });
    } else if (e.key === "Escape") {
      onSelectRef.current(null);
    }
  };

  useImperativeHandle(ref, () => ({
    fit: () => {
      const cy = cyRef.current;
      if (cy) fitToPositions(cy, positions.current);
    },
    zoomBy: (factor) => {
      const cy = cyRef.current;
      if (!cy) return;
      cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    },
    relayout: () => {
      const cy = cyRef.current;
      if (!cy) return;
      positions.current.clear();
      runFullLayout(cy, layoutRef.current);
    },
    png: () => {
      const cy = cyRef.current;
      if (!cy) throw new Error("the graph is not drawn yet");
      return cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }) as unknown as Blob;
    },
  }));

  return (
    <>
      <div
        ref={container}
        className="graph-canvas"
        data-testid="graph-canvas"
        tabIndex={0}
        role="application"
        aria-roledescription="service graph"
        aria-label={`Service graph: ${graph.nodes.filter((n) => n.kind !== "box").length} nodes, ${graph.edges.length} edges. Arrow keys move between nodes, Enter opens one.`}
        onKeyDown={onKeyDown}
      />
      <div className="visually-hidden" aria-live="polite" data-testid="graph-announce">
        {announce}
      </div>
    </>
  );
});
