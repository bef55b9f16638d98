import { describe, expect, it } from "vitest";
import { LAYER_GAP, type LayoutEdge, type LayoutNode, NODE_GAP, layeredLayout, placeNewNodes } from "./layered";

const n = (id: string, group = "default", subgroup?: string): LayoutNode => ({ id, group, subgroup });
const e = (source: string, target: string): LayoutEdge => ({ source, target });

describe("layered layout", () => {
  it("puts callers left of callees, one layer per hop", () => {
    const pos = layeredLayout([n("pp"), n("details"), n("reviews"), n("ratings"), n("unknown", "zz")], [e("unknown", "pp"), e("pp", "details"), e("pp", "reviews"), e("reviews", "ratings")]);
    expect(pos.get("unknown")!.x).toBe(0);
    expect(pos.get("pp")!.x).toBe(LAYER_GAP);
    expect(pos.get("details")!.x).toBe(2 * LAYER_GAP);
    expect(pos.get("reviews")!.x).toBe(2 * LAYER_GAP);
    expect(pos.get("ratings")!.x).toBe(3 * LAYER_GAP);
  });

  it("survives cycles", () => {
    const pos = layeredLayout([n("a"), n("b"), n("c")], [e("a", "b"), e("b", "c"), e("c", "a")]);
    expect(new Set([...pos.values()].map((p) => p.x)).size).toBe(3);
  });

  it("keeps each namespace in its own band, so boxes cannot overlap", () => {
    const nodes = [n("a1", "a"), n("a2", "a"), n("b1", "b"), n("b2", "b"), n("root", "a")];
    const pos = layeredLayout(nodes, [e("root", "a1"), e("root", "b1"), e("root", "a2"), e("root", "b2")]);
    const maxA = Math.max(...["a1", "a2", "root"].map((id) => pos.get(id)!.y));
    const minB = Math.min(...["b1", "b2"].map((id) => pos.get(id)!.y));
    expect(minB).toBeGreaterThan(maxA);
  });

  it("keeps versions of an app next to each other", () => {
    const nodes = [n("pp"), n("reviews-v1", "default", "reviews"), n("details", "default", "details"), n("reviews-v2", "default", "reviews"), n("reviews-v3", "default", "reviews")];
    const pos = layeredLayout(nodes, [e("pp", "reviews-v1"), e("pp", "details"), e("pp", "reviews-v2"), e("pp", "reviews-v3")]);
    const ys = ["reviews-v1", "reviews-v2", "reviews-v3"].map((id) => pos.get(id)!.y).sort((a, b) => a - b);
    expect(ys[2]! - ys[0]!).toBe(2 * NODE_GAP);
  });

  it("gives the same positions for the same graph in any order", () => {
    const nodes = [n("a"), n("b"), n("c"), n("d", "x")];
    const edges = [e("a", "b"), e("a", "c"), e("c", "d")];
    expect([...layeredLayout(nodes, edges)].sort()).toEqual([...layeredLayout([...nodes].reverse(), [...edges].reverse())].sort());
  });

  it("places new nodes without moving or covering known ones", () => {
    const known = new Map([["a", { x: 0, y: 0 }], ["b", { x: LAYER_GAP, y: 0 }]]);
    const layout = new Map([["a", { x: 0, y: 90 }], ["b", { x: LAYER_GAP, y: 90 }], ["c", { x: LAYER_GAP, y: 0 }]]);
    const placed = placeNewNodes(known, layout, ["c"]);
    expect(placed.get("c")).toEqual({ x: LAYER_GAP, y: NODE_GAP });
    expect(placed.has("a")).toBe(false);
  });
});
