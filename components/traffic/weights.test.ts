import { describe, expect, it } from "vitest";
import { type SubsetWeight, apportion, equalSplit, movedShare, parseWeight, promote, setWeight, toggleLock, total } from "./weights";

const ws = (...pairs: [string, number, boolean?][]): SubsetWeight[] => pairs.map(([subset, weight, locked]) => ({ subset, weight, locked: !!locked }));
const weights = (x: SubsetWeight[]) => x.map((w) => w.weight);

describe("linked canary weights", () => {
  it("splits equally with exact totals", () => {
    expect(weights(equalSplit(["v1", "v2", "v3"]))).toEqual([34, 33, 33]);
    expect(apportion([1, 1, 1, 1, 1, 1, 1], 100)).toEqual([15, 15, 14, 14, 14, 14, 14]);
  });

  it("takes the difference from the others in proportion to their weights", () => {
    expect(weights(setWeight(ws(["v1", 34], ["v2", 33], ["v3", 33]), 0, 20))).toEqual([20, 40, 40]);
    expect(weights(setWeight(ws(["v1", 50], ["v2", 40], ["v3", 10]), 0, 80))).toEqual([80, 16, 4]);
  });

  it("never moves a locked subset", () => {
    const locked = toggleLock(ws(["v1", 20], ["v2", 40], ["v3", 40]), 0);
    expect(weights(setWeight(locked, 1, 30))).toEqual([20, 30, 50]);
    // A subset cannot take more than what the locked ones leave.
    expect(weights(setWeight(locked, 1, 95))).toEqual([20, 80, 0]);
  });

  it("spreads equally when the others are all at 0", () => {
    expect(weights(setWeight(ws(["v1", 100], ["v2", 0], ["v3", 0]), 0, 40))).toEqual([40, 30, 30]);
  });

  it("does not move when nothing else can absorb the change", () => {
    const x = ws(["v1", 60], ["v2", 40, true]);
    expect(setWeight(x, 0, 70)).toBe(x);
  });

  it("clamps and rounds requested values, keeping the total at 100", () => {
    for (const req of [-5, 0, 33.4, 99.6, 150]) {
      const r = setWeight(ws(["a", 25], ["b", 25], ["c", 25], ["d", 25]), 2, req);
      expect(total(r)).toBe(100);
      expect(r.every((w) => Number.isInteger(w.weight) && w.weight >= 0)).toBe(true);
    }
  });

  it("promotes one subset to 100 and releases locks", () => {
    expect(promote(ws(["v1", 20, true], ["v2", 80]), "v2")).toEqual(ws(["v1", 0], ["v2", 100]));
  });
});

describe("movedShare and parseWeight", () => {
  it("counts the traffic a change moves: 10/30/60 -> 0/0/100 moves 40 points; no change moves none; a new subset counts", () => {
    const w = (...xs: number[]) => xs.map((weight, i) => ({ subset: `v${i + 1}`, weight }));
    expect(movedShare(w(10, 30, 60), w(0, 0, 100))).toBe(40);
    expect(movedShare(w(34, 33, 33), w(34, 33, 33))).toBe(0);
    expect(movedShare(w(100), w(50, 50))).toBe(50);
  });
  it("reads whole numbers 0-100 only", () => {
    expect(["25", " 7 ", "0", "100"].map(parseWeight)).toEqual([25, 7, 0, 100]);
    expect(["", "101", "2.5", "-1", "1e2", "abc"].map(parseWeight)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
