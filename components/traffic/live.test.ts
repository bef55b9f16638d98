import { describe, expect, it } from "vitest";
import { converging } from "./WeightSliders";

describe("the converging hint", () => {
  const live = (now: Record<string, number>, minute: Record<string, number>) => ({ now, minute, nowSeconds: 30 });
  it("shows while the last 30 s differ from the minute average by more than 5 points on any subset", () => {
    // Right after 10/30/60 was applied over an even split: the minute still reads about a third each.
    expect(converging(live({ v1: 10, v2: 30, v3: 60 }, { v1: 33, v2: 33, v3: 34 }), ["v1", "v2", "v3"])).toBe(true);
    expect(converging(live({ v1: 10, v2: 30, v3: 60 }, { v1: 11, v2: 28, v3: 61 }), ["v1", "v2", "v3"])).toBe(false);
  });
  it("says nothing until both windows have data", () => {
    expect(converging({ now: undefined, minute: { v1: 100 }, nowSeconds: 30 }, ["v1"])).toBe(false);
    expect(converging(undefined, ["v1"])).toBe(false);
  });
});
