import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { adoptVirtualService } from "./adopt";

/** Which live VirtualServices (Istio's own samples) an intent can express. */
const sample = (f: string) => ({ ...(YAML.parse(fs.readFileSync(path.join(__dirname, "testdata", f), "utf8")) as { metadata: { name: string }; spec: Record<string, unknown> }), metadata: { name: "reviews", namespace: "bookinfo" } });

describe("adopting a live VirtualService as an intent", () => {
  it("a weighted split of one service's subsets becomes a traffic-shift intent", () => {
    expect(adoptVirtualService(sample("virtual-service-reviews-80-20.yaml"))).toEqual({ ok: true, draft: { kind: "traffic-shift", namespace: "bookinfo", target: "reviews", spec: { weights: [{ subset: "v1", weight: 80 }, { subset: "v2", weight: 20 }] } } });
    expect(adoptVirtualService(sample("virtual-service-reviews-v3.yaml"))).toMatchObject({ ok: true, draft: { spec: { weights: [{ subset: "v3", weight: 100 }] } } });
  });

  it("what a traffic-shift cannot express is refused with the reason", () => {
    expect(adoptVirtualService(sample("virtual-service-reviews-jason-v2-v3.yaml"))).toEqual({ ok: false, reason: "it has 2 HTTP routes; only one weighted split can become a traffic-shift intent" });
    expect(adoptVirtualService(sample("virtual-service-ratings-test-delay.yaml"))).toMatchObject({ ok: false });
    const bad = sample("virtual-service-reviews-80-20.yaml");
    ((bad.spec.http as { route: { weight: number }[] }[])[0]!.route[0]!).weight = 70;
    expect(adoptVirtualService(bad)).toEqual({ ok: false, reason: "its weights add up to 90, not 100" });
  });
});
