import ELK from "elkjs/lib/elk.bundled.js";
import { describe, expect, it } from "vitest";
import type { Graph, GraphNode } from "@/server/metrics/graph/types";
import { elkPositions, toElkGraph } from "./elk-graph";

/** The graph as ELK lays it out (the same ELK build the page's worker runs, here in Node). */
const leaf = (id: string, ns: string, parent?: string, o: Partial<GraphNode> = {}): GraphNode => ({ id, kind: "workload", label: id, namespace: ns, health: "healthy", traffic: {} as GraphNode["traffic"], ...(parent ? { parent } : {}), ...o }) as GraphNode;
const box = (id: string, ns: string): GraphNode => ({ id, kind: "box", boxType: "namespace", label: ns, namespace: ns, health: "healthy", traffic: {} as GraphNode["traffic"] }) as GraphNode;
const graph: Graph = {
  nodes: [
    leaf("unknown", "unknown", undefined, { kind: "unknown" }),
    box("box:ns:default", "default"),
    box("box:ns:shop", "shop"),
    leaf("wl:default:productpage", "default", "box:ns:default"),
    leaf("wl:default:reviews", "default", "box:ns:default"),
    leaf("wl:default:ratings", "default", "box:ns:default"),
    leaf("wl:shop:cart", "shop", "box:ns:shop"),
    leaf("wl:shop:pay", "shop", "box:ns:shop"),
  ],
  edges: [
    ["unknown", "wl:default:productpage"],
    ["wl:default:productpage", "wl:default:reviews"],
    ["wl:default:reviews", "wl:default:ratings"],
    ["unknown", "wl:shop:cart"],
    ["wl:shop:cart", "wl:shop:pay"],
    ["wl:shop:cart", "wl:default:ratings"],
  ].map(([source, target]) => ({ id: `${source}>${target}`, source, target })) as Graph["edges"],
} as Graph;

describe("the graph in ELK's compound layered layout", () => {
  it("puts the entry point first, every flow left to right, each namespace's nodes together without boxes overlapping; same answer every time", async () => {
    const elk = new ELK();
    const laid = await elk.layout(toElkGraph(graph));
    const p = elkPositions(laid);
    expect([...p.keys()].sort()).toEqual(graph.nodes.filter((n) => n.kind !== "box").map((n) => n.id).sort());
    const xs = [...p.values()].map((q) => q.x);
    expect(p.get("unknown")!.x).toBe(Math.min(...xs));
    for (const e of graph.edges) expect(p.get(e.target)!.x, e.id).toBeGreaterThan(p.get(e.source)!.x);
    const boxOf = (id: string) => laid.children!.find((c) => c.id === id)!;
    const [a, b] = [boxOf("box:ns:default"), boxOf("box:ns:shop")];
    const overlap = a.x! < b.x! + b.width! && b.x! < a.x! + a.width! && a.y! < b.y! + b.height! && b.y! < a.y! + a.height!;
    expect(overlap).toBe(false);
    for (const id of ["wl:default:productpage", "wl:default:reviews", "wl:default:ratings"]) {
      const q = p.get(id)!;
      expect(q.x > a.x! && q.x < a.x! + a.width! && q.y > a.y! && q.y < a.y! + a.height!, id).toBe(true);
    }
    expect(elkPositions(await new ELK().layout(toElkGraph(graph)))).toEqual(p);
  });

  it("versioned-app graphs: app boxes inside the namespace box follow the calls between their versions", async () => {
    const appBox = (app: string): GraphNode => ({ id: `box:app:default:${app}`, kind: "box", boxType: "app", label: app, namespace: "default", parent: "box:ns:default", health: "healthy", traffic: {} as GraphNode["traffic"] }) as GraphNode;
    const va = (app: string, v: string) => leaf(`va:default:${app}:${v}`, "default", `box:app:default:${app}`, { kind: "versionedApp" });
    const g: Graph = {
      nodes: [leaf("unknown", "unknown", undefined, { kind: "unknown" }), box("box:ns:default", "default"), ...["details", "productpage", "ratings", "reviews"].map(appBox), va("productpage", "v1"), va("details", "v1"), va("reviews", "v1"), va("reviews", "v2"), va("ratings", "v1")],
      edges: [
        ["unknown", "va:default:productpage:v1"],
        ["va:default:productpage:v1", "va:default:details:v1"],
        ["va:default:productpage:v1", "va:default:reviews:v1"],
        ["va:default:productpage:v1", "va:default:reviews:v2"],
        ["va:default:reviews:v2", "va:default:ratings:v1"],
      ].map(([source, target]) => ({ id: `${source}>${target}`, source, target })) as Graph["edges"],
    } as Graph;
    const p = elkPositions(await new ELK().layout(toElkGraph(g)));
    for (const e of g.edges) expect(p.get(e.target)!.x, e.id).toBeGreaterThan(p.get(e.source)!.x);
  });
});
