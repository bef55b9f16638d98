import { describe, expect, it } from "vitest";
import type { RateQuery, TrafficSource } from "../source";
import { fetchLatency, reportersOf, seriesQuery } from "./series";

describe("which reporter the side panel reads, as the graph does", () => {
  it("an edge inside the mesh: its source's proxy first, then the destination's; from outside: the destination; to a service: the source", () => {
    expect(reportersOf("wl:default:productpage-v1>wl:default:reviews-v1>grpc")).toEqual(["source", "destination"]);
    expect(reportersOf("unknown>wl:default:productpage-v1>grpc")).toEqual(["destination"]);
    expect(reportersOf("wl:default:reviews-v1>svc:default:ratings>grpc")).toEqual(["source"]);
    expect(reportersOf("wl:default:reviews-v1")).toEqual(["destination"]);
    expect(seriesQuery("wl:default:productpage-v1>wl:default:reviews-v1>grpc", 60).match.reporter).toBe("source");
  });

  it("falls back to the destination's series when the source reported nothing (a source without a sidecar)", async () => {
    const asked: string[] = [];
    // A source holding only destination-reported series for this edge.
    const source: TrafficSource = {
      kind: "demo",
      description: "test",
      rates: async (q: RateQuery) => (asked.push(`${q.metric}:${String(q.match.reporter)}`), q.match.reporter === "destination" ? [{ labels: {}, value: q.metric.endsWith("_count") ? 4 : 40 }] : []),
      rateRange: async () => [],
      quantiles: async (q: RateQuery, phis: number[]) => (q.match.reporter === "destination" ? phis.map((quantile) => ({ labels: {}, quantile, value: 12 })) : []),
    };
    const l = await fetchLatency(source, "wl:default:productpage-v1>wl:default:reviews-v1>grpc", 60, new Date());
    expect(l).toEqual({ p50: 12, p95: 12, p99: 12, avg: 10 });
    expect(asked.filter((a) => a.endsWith("_count:source"))).toHaveLength(1);
    expect(asked.filter((a) => a.endsWith("_count:destination"))).toHaveLength(1);
  });
});
