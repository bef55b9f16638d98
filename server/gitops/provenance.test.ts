import { describe, expect, it } from "vitest";
import { type IntentDraft, intentDraftSchema } from "../intents/schemas";
import { type IntentHistory, MAX_LOOKBACK, provenance } from "./provenance";

const target = { namespace: "bookinfo", name: "reviews", hostname: "reviews.bookinfo.svc.cluster.local", subsets: ["v1", "v2", "v3"] };
const draft = (kind: string, spec: unknown): IntentDraft => intentDraftSchema.parse({ kind, namespace: "bookinfo", target: "reviews", spec });
const shift = (v1: number) => draft("traffic-shift", { weights: [{ subset: "v1", weight: v1 }, { subset: "v3", weight: 100 - v1 }] });
const fault = (pct: number) => draft("fault-injection", { abort: { httpStatus: 503, percentage: pct } });
const lb = (simple: string) => draft("load-balancer", { simple });

/** Revisions newest first: history(kind, [r1, r2, r3]) is r3 in force. */
function history(kind: string, drafts: IntentDraft[]): IntentHistory {
  const older = drafts.slice(0, -1).map((d, i) => ({ number: i + 1, draft: d as IntentDraft | null })).reverse();
  return { kind, revision: drafts.length, draft: drafts.at(-1)!, older };
}

describe("which intent revisions an object came from", () => {
  it("a weight change names its new revision on the VirtualService only; the DestinationRule keeps the revision that made it", () => {
    const p = provenance(target, [history("traffic-shift", [shift(10), shift(0)])]);
    expect(p.get("VirtualService/reviews")).toBe("intent traffic-shift r2");
    expect(p.get("DestinationRule/reviews")).toBe("intent traffic-shift r1");
  });

  it("names only the intents that shape an object, each with its own revision", () => {
    const p = provenance(target, [history("traffic-shift", [shift(10), shift(20), shift(20)]), history("fault-injection", [fault(10), fault(50)])]);
    // Revision 3 of the shift rewrote nothing: the VirtualService's weights date from revision 2.
    expect(p.get("VirtualService/reviews")).toBe("intent fault-injection r2, intent traffic-shift r2");
    expect(p.get("DestinationRule/reviews")).toBe("intent traffic-shift r1");
    const withLb = provenance(target, [history("traffic-shift", [shift(10)]), history("load-balancer", [lb("RANDOM"), lb("RANDOM"), lb("ROUND_ROBIN")])]);
    // The DestinationRule's subsets are the service's own; with a load balancer it exists without the shift.
    expect(withLb.get("DestinationRule/reviews")).toBe("intent load-balancer r3");
    expect(withLb.get("VirtualService/reviews")).toBe("intent traffic-shift r1");
  });

  it("a rollback to earlier content names the rollback, not the revision it copied (the run of equal output is broken in between)", () => {
    const p = provenance(target, [history("traffic-shift", [shift(10), shift(0), shift(10)])]);
    expect(p.get("VirtualService/reviews")).toBe("intent traffic-shift r3");
    expect(p.get("DestinationRule/reviews")).toBe("intent traffic-shift r1");
  });

  it("looks back a bounded number of revisions; a revision that no longer parses ends the run", () => {
    const long = history("traffic-shift", Array.from({ length: MAX_LOOKBACK + 10 }, () => shift(10)));
    expect(provenance(target, [long]).get("VirtualService/reviews")).toBe(`intent traffic-shift r10`);
    const broken = history("traffic-shift", [shift(10), shift(10), shift(10)]);
    broken.older[1]!.draft = null;
    expect(provenance(target, [broken]).get("VirtualService/reviews")).toBe("intent traffic-shift r2");
  });
});
