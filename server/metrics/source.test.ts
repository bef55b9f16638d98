import { describe, expect, it } from "vitest";
import { type CounterReading, DemoTrafficSource } from "./demo-source";
import { matches, renderRateQuery } from "./source";

describe("rate queries as PromQL", () => {
  it("renders sum by (...) (rate(metric{...}[window])) with sorted, escaped matchers", () => {
    const q = renderRateQuery({
      metric: "istio_requests_total",
      match: { reporter: "destination", destination_workload_namespace: { anyOf: ["default", "a.b"] }, source_workload: { not: 'x"y' } },
      by: ["source_workload", "destination_workload"],
      windowSeconds: 60,
    });
    expect(q).toBe(
      'sum by (destination_workload,source_workload) (rate(istio_requests_total{destination_workload_namespace=~"default|a\\\\.b",reporter="destination",source_workload!="x\\"y"}[60s]))',
    );
  });

  it("matches labels exactly, by alternatives, and by negation", () => {
    const l = { a: "1", b: "2" };
    expect(matches(l, { a: "1" })).toBe(true);
    expect(matches(l, { a: { anyOf: ["3", "1"] } })).toBe(true);
    expect(matches(l, { b: { not: "2" } })).toBe(false);
    expect(matches(l, { c: "" })).toBe(true);
  });
});

describe("the demo telemetry source", () => {
  let readings: CounterReading[] = [];
  const src = () => new DemoTrafficSource({ collect: async () => readings, metrics: ["req_total"], sampleIntervalMs: 1000, retentionSeconds: 30 });
  const reading = (w: string, code: string, value: number): CounterReading => ({ name: "req_total", labels: { w, code }, value });

  it("computes per-second rates over a window, summed by the requested labels", async () => {
    const s = src();
    for (let i = 0; i <= 10; i++) {
      readings = [reading("a", "200", 10 * i), reading("a", "503", i), reading("b", "200", 5 * i), { name: "other", labels: {}, value: i }];
      await s.sample(1_000_000 + i * 1000);
    }
    const at = new Date(1_000_000 + 10_000);
    const byW = await s.rates({ metric: "req_total", match: {}, by: ["w"], windowSeconds: 5 }, at);
    expect(byW.sort((x, y) => (x.labels.w! < y.labels.w! ? -1 : 1))).toEqual([
      { labels: { w: "a" }, value: 11 },
      { labels: { w: "b" }, value: 5 },
    ]);
    const errors = await s.rates({ metric: "req_total", match: { code: "503" }, by: [], windowSeconds: 60 }, at);
    expect(errors).toEqual([{ labels: {}, value: 1 }]);
  });

  it("needs two samples in the window, like Prometheus's rate()", async () => {
    const s = src();
    readings = [reading("a", "200", 1)];
    await s.sample(2_000_000);
    expect(await s.rates({ metric: "req_total", match: {}, by: [], windowSeconds: 60 }, new Date(2_000_000))).toEqual([]);
  });

  it("treats a drop as a counter reset", async () => {
    const s = src();
    for (const [i, v] of [[0, 100], [1, 110], [2, 5], [3, 15]] as const) {
      readings = [reading("a", "200", v)];
      await s.sample(3_000_000 + i * 1000);
    }
    const [r] = await s.rates({ metric: "req_total", match: {}, by: [], windowSeconds: 10 }, new Date(3_003_000));
    expect(r!.value).toBeCloseTo((10 + 5 + 10) / 3);
  });

  it("skips a collection that fails, as a failed scrape leaves a gap, and rates span it", async () => {
    let fail = false;
    const s = new DemoTrafficSource({ collect: async () => { if (fail) throw new Error("the data plane thread is not running"); return readings; }, metrics: ["req_total"], sampleIntervalMs: 1000, retentionSeconds: 30 });
    for (let i = 0; i <= 4; i++) {
      fail = i === 2 || i === 3;
      readings = [reading("a", "200", fail ? 999 : 10 * i)];
      await s.sample(5_000_000 + i * 1000);
    }
    expect(s.failedScrapes).toBe(2);
    expect(await s.rates({ metric: "req_total", match: {}, by: [], windowSeconds: 10 }, new Date(5_004_000))).toEqual([{ labels: {}, value: 10 }]);
  });

  it("forgets samples older than its retention, and answers range queries step by step", async () => {
    const s = src(); // 30 s retention at 1 s
    for (let i = 0; i <= 60; i++) {
      readings = [reading("a", "200", i < 30 ? 0 : 2 * (i - 30))];
      await s.sample(4_000_000 + i * 1000);
    }
    const old = await s.rates({ metric: "req_total", match: {}, by: [], windowSeconds: 10 }, new Date(4_000_000 + 20_000));
    expect(old).toEqual([]);
    const series = await s.rateRange({ metric: "req_total", match: {}, by: ["w"], windowSeconds: 5 }, new Date(4_050_000), new Date(4_060_000), 5);
    expect(series).toEqual([{ labels: { w: "a" }, points: [[4050, 2], [4055, 2], [4060, 2]] }]);
  });
});
