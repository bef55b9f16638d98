import { describe, expect, it } from "vitest";
import { histogramQuantile } from "./histogram";

const b = (pairs: [number, number][]) => new Map(pairs);

describe("histogram_quantile", () => {
  it("interpolates inside the bucket the rank falls in", () => {
    const h = b([[1, 10], [2, 20], [4, 40], [Infinity, 40]]);
    expect(histogramQuantile(0.5, h)).toBe(2);
    expect(histogramQuantile(0.75, h)).toBe(3);
    expect(histogramQuantile(0.1, h)).toBe(0.4);
  });
  it("answers the highest finite bound when the rank is in +Inf", () => {
    expect(histogramQuantile(0.99, b([[10, 5], [Infinity, 10]]))).toBe(10);
  });
  it("has no answer without observations or without a +Inf bucket", () => {
    expect(histogramQuantile(0.5, b([[10, 0], [Infinity, 0]]))).toBeNull();
    expect(histogramQuantile(0.5, b([[10, 5]]))).toBeNull();
  });
});
