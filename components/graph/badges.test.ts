import { describe, expect, it } from "vitest";
import type { GraphNode } from "@/server/metrics/graph/types";
import { edgeBadgeKinds, glyphs, nodeBadges } from "./badges";

const node = (id: string, kind: GraphNode["kind"], o: Partial<GraphNode>): GraphNode => ({ id, kind, label: id, namespace: "default", health: "healthy", traffic: {} as GraphNode["traffic"], ...o }) as GraphNode;

describe("badges of what is in force", () => {
  const nodes = [
    node("svc:default:reviews", "service", { service: "reviews" }),
    node("va:default:reviews:v2", "versionedApp", { app: "reviews", version: "v2" }),
    node("wl:default:ratings-v1", "workload", { app: "ratings" }),
    node("wl:staging:reviews-v1", "workload", { app: "reviews", namespace: "staging" }),
    node("box:ns:default", "box", {}),
  ];
  it("marks the service's nodes (service, app versions, workloads) in its namespace only, in a fixed order", () => {
    const b = nodeBadges(nodes, [
      { namespace: "default", target: "reviews", kind: "circuit-breaking" },
      { namespace: "default", target: "reviews", kind: "traffic-shift" },
      { namespace: "default", target: "ratings", kind: "rate-limit" },
    ]);
    expect(Object.fromEntries(b)).toEqual({
      "svc:default:reviews": ["traffic-shift", "circuit-breaking"],
      "va:default:reviews:v2": ["traffic-shift", "circuit-breaking"],
      "wl:default:ratings-v1": ["rate-limit"],
    });
    expect(glyphs(b.get("svc:default:reviews")!)).toBe("⇄ ⊘");
  });
  it("edges into a service carry only what steers requests", () => {
    expect(edgeBadgeKinds(["traffic-shift", "circuit-breaking", "fault-injection", "rate-limit"])).toEqual(["traffic-shift", "fault-injection"]);
    expect(edgeBadgeKinds(undefined)).toEqual([]);
  });
});
