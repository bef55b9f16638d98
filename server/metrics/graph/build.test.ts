import { describe, expect, it } from "vitest";
import type { MeshSnapshot } from "../../mesh/model";
import type { RateSample } from "../source";
import { type BuildOptions, type GraphSamples, buildGraph } from "./build";
import type { GraphEdge } from "./types";

type W = { ns?: string; wl: string; app?: string; v?: string };
const w = (spec: string): W => {
  // "reviews-v2" -> app reviews, version v2; "unknown" stays unknown
  if (spec === "unknown") return { wl: "unknown", app: "unknown", v: "unknown", ns: "unknown" };
  const m = /^(.*)-(v\d+)$/.exec(spec);
  return { wl: spec, app: m ? m[1] : spec, v: m ? m[2] : "unknown", ns: "default" };
};

function labels(src: W, dst: W, svc: string | undefined, reporter: "source" | "destination", extra: Record<string, string> = {}) {
  return {
    source_workload: src.wl,
    source_workload_namespace: src.ns ?? "default",
    source_app: src.app ?? "unknown",
    source_version: src.v ?? "unknown",
    destination_workload: dst.wl,
    destination_workload_namespace: dst.ns ?? "default",
    destination_app: dst.app ?? "unknown",
    destination_version: dst.v ?? "unknown",
    destination_service_name: svc ?? "unknown",
    destination_service_namespace: svc ? (dst.ns === "unknown" ? "default" : (dst.ns ?? "default")) : "unknown",
    reporter,
    ...extra,
  };
}

function req(src: string | W, dst: string | W, rps: number, o: { svc?: string; reporter?: "source" | "destination"; code?: string; grpc?: string; protocol?: string } = {}): RateSample {
  const s = typeof src === "string" ? w(src) : src;
  const d = typeof dst === "string" ? w(dst) : dst;
  const svc = o.svc ?? (d.wl === "unknown" ? undefined : d.app);
  return {
    labels: labels(s, d, svc, o.reporter ?? "destination", {
      request_protocol: o.protocol ?? "http",
      response_code: o.code ?? "200",
      grpc_response_status: o.grpc ?? (o.protocol === "grpc" ? "0" : ""),
      response_flags: "-",
    }),
    value: rps,
  };
}

const empty: GraphSamples = { requests: [], latencyBuckets: [], latencySum: [], latencyCount: [], tcpSent: [], tcpReceived: [] };
const opts = (o: Partial<BuildOptions> = {}): BuildOptions => ({
  graphType: "workload",
  namespaces: ["default"],
  windowSeconds: 60,
  idle: false,
  injectServiceNodes: false,
  healthRules: [],
  timestamp: new Date("2026-11-21T12:00:00Z"),
  source: { kind: "prometheus", description: "test" },
  ...o,
});

const bookinfo = (): RateSample[] => [
  req("unknown", "productpage-v1", 10),
  req("productpage-v1", "details-v1", 10),
  req("productpage-v1", "reviews-v1", 4),
  req("productpage-v1", "reviews-v2", 3),
  req("productpage-v1", "reviews-v3", 3),
  req("reviews-v2", "ratings-v1", 3),
  req("reviews-v3", "ratings-v1", 3),
];
const edgeMap = (edges: GraphEdge[]) => Object.fromEntries(edges.map((e) => [`${e.source} -> ${e.target}`, e]));

describe("graph builder: graph types", () => {
  it("workload graph: one node per workload, edges with rates and share of the source's traffic", () => {
    const g = buildGraph({ ...empty, requests: bookinfo() }, opts());
    const nodes = g.nodes.filter((n) => n.kind !== "box").map((n) => n.id);
    expect(nodes).toEqual(["unknown", "wl:default:details-v1", "wl:default:productpage-v1", "wl:default:ratings-v1", "wl:default:reviews-v1", "wl:default:reviews-v2", "wl:default:reviews-v3"]);
    const e = edgeMap(g.edges);
    expect(e["unknown -> wl:default:productpage-v1"]).toMatchObject({ rps: 10, percent: 100, protocol: "http" });
    expect(e["wl:default:productpage-v1 -> wl:default:details-v1"]).toMatchObject({ rps: 10, percent: 50 });
    expect(e["wl:default:productpage-v1 -> wl:default:reviews-v1"]).toMatchObject({ rps: 4, percent: 20 });
    const pp = g.nodes.find((n) => n.id === "wl:default:productpage-v1")!;
    expect(pp).toMatchObject({ kind: "workload", app: "productpage", version: "v1", parent: "box:ns:default" });
    expect(pp.traffic).toMatchObject({ inRps: 10, outRps: 20 });
    expect(g.nodes.find((n) => n.id === "unknown")).toMatchObject({ kind: "unknown", isRoot: true, health: "na" });
    expect(g.nodes.find((n) => n.id === "box:ns:default")).toMatchObject({ kind: "box", boxType: "namespace" });
  });

  it("app graph: versions of an app are one node", () => {
    const g = buildGraph({ ...empty, requests: bookinfo() }, opts({ graphType: "app" }));
    const e = edgeMap(g.edges);
    expect(e["app:default:productpage -> app:default:reviews"]).toMatchObject({ rps: 10, percent: 50 });
    expect(e["app:default:reviews -> app:default:ratings"]).toMatchObject({ rps: 6 });
    expect(g.nodes.filter((n) => n.kind === "app").map((n) => n.id)).toEqual(["app:default:details", "app:default:productpage", "app:default:ratings", "app:default:reviews"]);
  });

  it("versioned-app graph: one node per version, grouped in an app box inside the namespace box", () => {
    const g = buildGraph({ ...empty, requests: bookinfo() }, opts({ graphType: "versionedApp" }));
    const v2 = g.nodes.find((n) => n.id === "va:default:reviews:v2")!;
    expect(v2).toMatchObject({ kind: "versionedApp", app: "reviews", version: "v2", parent: "box:app:default:reviews", label: "reviews v2" });
    expect(g.nodes.find((n) => n.id === "box:app:default:reviews")).toMatchObject({ kind: "box", boxType: "app", parent: "box:ns:default" });
    expect(edgeMap(g.edges)["va:default:reviews:v3 -> va:default:ratings:v1"]).toMatchObject({ rps: 3 });
  });

  it("service graph: nodes are services; callers appear as their app's service", () => {
    const g = buildGraph({ ...empty, requests: bookinfo() }, opts({ graphType: "service" }));
    const e = edgeMap(g.edges);
    expect(e["svc:default:productpage -> svc:default:reviews"]).toMatchObject({ rps: 10 });
    expect(e["svc:default:reviews -> svc:default:ratings"]).toMatchObject({ rps: 6 });
    expect(e["unknown -> svc:default:productpage"]).toMatchObject({ rps: 10 });
  });

  it("can inject a service node between caller and callee", () => {
    const g = buildGraph({ ...empty, requests: bookinfo() }, opts({ injectServiceNodes: true }));
    const e = edgeMap(g.edges);
    expect(e["wl:default:productpage-v1 -> svc:default:reviews"]).toMatchObject({ rps: 10, percent: 50 });
    expect(e["svc:default:reviews -> wl:default:reviews-v2"]).toMatchObject({ rps: 3, percent: 30 });
    expect(e["wl:default:productpage-v1 -> wl:default:reviews-v2"]).toBeUndefined();
  });
});

describe("graph builder: reporters, unknowns, TCP", () => {
  it("counts a request reported by both sidecars once, from the source's report", () => {
    const g = buildGraph(
      {
        ...empty,
        requests: [
          req("productpage-v1", "reviews-v1", 4, { reporter: "source" }),
          req("productpage-v1", "reviews-v1", 3.9, { reporter: "destination" }),
          // A failure the destination never saw (e.g. the connection failed): only the source reports it.
          req("productpage-v1", "reviews-v1", 0.1, { reporter: "source", code: "503" }),
          req("unknown", "productpage-v1", 10, { reporter: "destination" }),
        ],
      },
      opts(),
    );
    const e = edgeMap(g.edges);
    expect(e["wl:default:productpage-v1 -> wl:default:reviews-v1"]).toMatchObject({ rps: 4.1, reporter: "source", http5xxPercent: 2.44 });
    expect(e["unknown -> wl:default:productpage-v1"]).toMatchObject({ rps: 10, reporter: "destination" });
  });

  it("sends traffic to an unknown destination workload to its service node, or to 'unknown'", () => {
    const g = buildGraph(
      {
        ...empty,
        requests: [
          req("productpage-v1", { wl: "unknown", ns: "unknown", app: "unknown", v: "unknown" }, 2, { reporter: "source", svc: "legacy-db" }),
          req("productpage-v1", { wl: "unknown", ns: "unknown", app: "unknown", v: "unknown" }, 1, { reporter: "source", code: "502" }),
        ],
      },
      opts(),
    );
    const e = edgeMap(g.edges);
    expect(e["wl:default:productpage-v1 -> svc:default:legacy-db"]).toMatchObject({ rps: 2 });
    expect(e["wl:default:productpage-v1 -> unknown"]).toMatchObject({ rps: 1, http5xxPercent: 100 });
  });

  it("marks nodes of namespaces that were not asked for as outside", () => {
    const g = buildGraph({ ...empty, requests: [req("productpage-v1", { wl: "cart-v1", ns: "shop", app: "cart", v: "v1" }, 1, { svc: "cart" })] }, opts());
    expect(g.nodes.find((n) => n.id === "wl:shop:cart-v1")).toMatchObject({ isOutside: true, parent: "box:ns:shop" });
    expect(g.nodes.find((n) => n.id === "box:ns:shop")).toMatchObject({ isOutside: true });
  });

  it("draws TCP edges from sent/received bytes, with their share of the source's bytes", () => {
    const tcp = (src: string, dst: string, value: number, reporter: "source" | "destination" = "source") => ({ labels: labels(w(src), w(dst), w(dst).app, reporter), value });
    const g = buildGraph(
      {
        ...empty,
        tcpSent: [tcp("reviews-v1", "mongodb-v1", 300), tcp("reviews-v1", "mongodb-v1", 290, "destination"), tcp("reviews-v1", "mysql-v1", 100)],
        tcpReceived: [tcp("reviews-v1", "mongodb-v1", 5000)],
      },
      opts(),
    );
    const e = edgeMap(g.edges);
    expect(e["wl:default:reviews-v1 -> wl:default:mongodb-v1"]).toMatchObject({ protocol: "tcp", rps: 0, tcpSentBps: 300, tcpReceivedBps: 5000, percent: 75, health: "na" });
    expect(g.nodes.find((n) => n.id === "wl:default:mongodb-v1")!.traffic.tcpInBps).toBe(300);
  });
});

describe("graph builder: health (Kiali's default thresholds)", () => {
  const health = (samples: RateSample[], rules: BuildOptions["healthRules"] = []) => {
    const g = buildGraph({ ...empty, requests: samples }, opts({ healthRules: rules }));
    return { node: g.nodes.find((n) => n.id === "wl:default:ratings-v1")!.health, edge: g.edges[0]!.health };
  };
  const mix = (ok: number, code: string, bad: number, protocol = "http") =>
    protocol === "grpc"
      ? [req("reviews-v2", "ratings-v1", ok, { protocol, grpc: "0" }), req("reviews-v2", "ratings-v1", bad, { protocol, grpc: code, code: "200" })]
      : [req("reviews-v2", "ratings-v1", ok), req("reviews-v2", "ratings-v1", bad, { code })];

  it.each([
    ["no errors", mix(100, "500", 0), "healthy"],
    ["5xx just above 0%", mix(99.9, "503", 0.1), "degraded"],
    ["5xx at 9.9%", mix(90.1, "500", 9.9), "degraded"],
    ["5xx at 10%", mix(90, "500", 10), "failure"],
    ["4xx at 9.9%", mix(90.1, "404", 9.9), "healthy"],
    ["4xx at 10%", mix(90, "404", 10), "degraded"],
    ["4xx at 20%", mix(80, "404", 20), "failure"],
    ["gRPC UNAVAILABLE at 5%", mix(95, "14", 5, "grpc"), "degraded"],
    ["gRPC non-OK at 10%", mix(90, "13", 10, "grpc"), "failure"],
  ])("%s -> %s", (_name, samples, expected) => {
    const h = health(samples as RateSample[]);
    expect(h.node).toBe(expected);
    expect(h.edge).toBe(expected);
  });

  it("applies per-service overrides from configuration, first match wins", () => {
    const rules = [
      { namespace: "default", kind: "workload", name: "ratings-.*", tolerance: [{ code: "^5\\d\\d$", protocol: "http", degraded: 20, failure: 50 }] },
      { namespace: ".*", kind: ".*", name: ".*", tolerance: [{ code: "^5\\d\\d$", protocol: "http", degraded: 0, failure: 1 }] },
    ];
    expect(health(mix(90, "500", 10), rules).node).toBe("healthy");
    expect(health(mix(70, "500", 30), rules).node).toBe("degraded");
    expect(health(mix(40, "500", 60), rules).node).toBe("failure");
  });

  it("gives a namespace box the health of its worst member", () => {
    const g = buildGraph({ ...empty, requests: [...mix(90, "500", 10), req("unknown", "reviews-v2", 5)] }, opts());
    expect(g.nodes.find((n) => n.id === "box:ns:default")!.health).toBe("failure");
  });
});

describe("graph builder: latency, idle, determinism", () => {
  /** A flow's latency histogram as bucket rates: `counts` requests/s in each bucket (upper bound ms -> rate). */
  const hist = (src: string, dst: string, counts: [number, number][], reporter: "source" | "destination" = "destination"): RateSample[] => {
    const base = { ...labels(w(src), w(dst), w(dst).app, reporter), request_protocol: "http" };
    let cumulative = 0;
    const out = counts.map(([le, n]) => ({ labels: { ...base, le: String(le) }, value: (cumulative += n) }));
    return [...out, { labels: { ...base, le: "+Inf" }, value: cumulative }];
  };

  it("takes a flow's latency quantiles from its buckets as histogram_quantile does, and the average from sum/count", () => {
    const l = { ...labels(w("reviews-v2"), w("ratings-v1"), "ratings", "destination"), request_protocol: "http" };
    const g = buildGraph(
      {
        ...empty,
        requests: [req("reviews-v2", "ratings-v1", 10)],
        // 10 req/s: 4 in (5,10], 4 in (10,25], 2 in (25,50]. p50: rank 5 in (10,25] -> 10 + 15*(1/4) = 13.75;
        // p95: rank 9.5 in (25,50] -> 25 + 25*(1.5/2) = 43.75; p99: 25 + 25*(1.9/2) = 48.75.
        latencyBuckets: hist("reviews-v2", "ratings-v1", [[5, 0], [10, 4], [25, 4], [50, 2]]),
        latencySum: [{ labels: l, value: 120 }],
        latencyCount: [{ labels: l, value: 10 }],
      },
      opts(),
    );
    expect(g.edges[0]!.latency).toEqual({ p50: 13.75, p95: 43.75, p99: 48.75, avg: 12 });
  });

  it("uses the latency of the reporter whose requests it shows", () => {
    const g = buildGraph(
      {
        ...empty,
        requests: [req("reviews-v2", "ratings-v1", 10, { reporter: "source" }), req("reviews-v2", "ratings-v1", 10, { reporter: "destination" })],
        latencyBuckets: [...hist("reviews-v2", "ratings-v1", [[10, 0], [20, 10]], "source"), ...hist("reviews-v2", "ratings-v1", [[10, 10], [20, 0]], "destination")],
      },
      opts(),
    );
    expect(g.edges[0]!.latency.p50).toBe(15);
  });

  it("merges the buckets of the flows an edge aggregates (app graph), then takes the quantile; never averages quantiles", () => {
    // reviews-v1: 3 req/s all in (5,10]; reviews-v3: 1 req/s all in (100,250]. Merged: 4 req/s, p95 rank 3.8
    // falls in (100,250] with 3 below: 100 + 150*0.8 = 220. The rate-weighted mean of the flows' own p95s
    // (9.75 and 242.5) would say 68.4.
    const g = buildGraph(
      {
        ...empty,
        requests: [req("productpage-v1", "reviews-v1", 3), req("productpage-v1", "reviews-v3", 1)],
        latencyBuckets: [...hist("productpage-v1", "reviews-v1", [[5, 0], [10, 3], [100, 0], [250, 0]]), ...hist("productpage-v1", "reviews-v3", [[5, 0], [10, 0], [100, 0], [250, 1]])],
      },
      opts({ graphType: "app" }),
    );
    expect(g.edges[0]!.latency.p95).toBe(220);
  });

  it("hides edges without traffic in the window unless idle is asked for, and adds idle registry entries", () => {
    const samples = { ...empty, requests: [req("productpage-v1", "details-v1", 0), req("unknown", "productpage-v1", 1)] };
    const busy = buildGraph(samples, opts());
    expect(busy.edges.map((e) => e.id)).toEqual(["unknown>wl:default:productpage-v1>http"]);
    expect(busy.nodes.some((n) => n.id === "wl:default:details-v1")).toBe(false);

    const mesh: MeshSnapshot = {
      revision: 1,
      namespaces: ["default"],
      services: [],
      workloads: [{ namespace: "default", name: "reviews-v3", kind: "Deployment", labels: { app: "reviews", version: "v3" }, serviceAccount: "r" }],
      endpoints: [],
    };
    const idle = buildGraph(samples, opts({ idle: true, mesh }));
    expect(idle.edges.find((e) => e.target === "wl:default:details-v1")).toMatchObject({ isIdle: true, health: "idle", rps: 0 });
    expect(idle.nodes.find((n) => n.id === "wl:default:reviews-v3")).toMatchObject({ isIdle: true, health: "idle" });
  });

  it("gives the same bytes for the same samples in any order", () => {
    const samples = bookinfo();
    const a = JSON.stringify(buildGraph({ ...empty, requests: samples }, opts({ graphType: "versionedApp" })));
    const b = JSON.stringify(buildGraph({ ...empty, requests: [...samples].reverse() }, opts({ graphType: "versionedApp" })));
    expect(a).toBe(b);
  });
});
