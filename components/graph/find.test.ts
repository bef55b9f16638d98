import { describe, expect, it } from "vitest";
import { type Findable, parseFind } from "./find";

const reviews: Findable = { kind: "node", name: "reviews-v2", namespace: "default", app: "reviews", version: "v2", nodeKind: "workload", health: "degraded", rps: 12, error: 6.5, protocol: "grpc" };
const details: Findable = { kind: "node", name: "details-v1", namespace: "default", app: "details", version: "v1", nodeKind: "workload", health: "healthy", rps: 3, error: 0 };
const edge: Findable = { kind: "edge", name: "productpage-v1 → reviews-v2", rps: 4, error: 0, p95: 140, percent: 33.3, protocol: "grpc" };

const find = (q: string) => {
  const r = parseFind(q);
  if (!r.ok) throw new Error(r.error);
  return [reviews, details, edge].filter(r.test).map((f) => f.name);
};

describe("find expressions", () => {
  it("matches numeric comparisons", () => {
    expect(find("error>5")).toEqual(["reviews-v2"]);
    expect(find("rps>10")).toEqual(["reviews-v2"]);
    expect(find("rps >= 3")).toEqual(["reviews-v2", "details-v1", "productpage-v1 → reviews-v2"]);
    expect(find("p95>100ms")).toEqual(["productpage-v1 → reviews-v2"]);
  });
  it("matches names by substring and other text fields exactly", () => {
    expect(find("name=reviews")).toEqual(["reviews-v2", "productpage-v1 → reviews-v2"]);
    expect(find("version=v1")).toEqual(["details-v1"]);
    expect(find("health!=healthy kind=workload")).toEqual(["reviews-v2"]);
    expect(find("details")).toEqual(["details-v1"]);
  });
  it("combines terms with and / or", () => {
    expect(find("rps>1 and error=0")).toEqual(["details-v1", "productpage-v1 → reviews-v2"]);
    expect(find("version=v1 or error>5")).toEqual(["reviews-v2", "details-v1"]);
  });
  it("matches everything when empty", () => {
    const r = parseFind("  ");
    expect(r.ok && r.empty).toBe(true);
  });
  it.each([
    ["colour=red", /unknown field "colour"/],
    ["rps>lots", /"rps" needs a number/],
    ["name>3", /compares text/],
    ["rps>>3", /cannot read|needs a number/],
  ])("explains %s", (q, message) => {
    const r = parseFind(q);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});
