import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { freePort } from "@/server/testing/prometheus";
import { GET as graph } from "./graph/route";
import { GET as latency } from "./graph/latency/route";
import { GET as series } from "./graph/series/route";
import { GET as health } from "./health/route";
import { GET as services } from "./services/route";

/** The API routes over a real runtime (embedded database, demo mesh), called as Next.js calls them. */
describe("API routes", () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-api-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "warn" });
  });
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("GET /api/health answers 200 with every part ok", async () => {
    const res = await health(new Request("http://x/api/health"));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks)).toEqual(["process", "database", "metrics", "registry", "leader"]);
    expect(body.checks.metrics).toMatchObject({ status: "ok", kind: "demo" });
  });

  it("GET /api/services lists services, filtered by namespace", async () => {
    const all = await (await services(new Request("http://x/api/services"))).json();
    expect(all.namespaces).toEqual(["default"]);
    expect(all.services.map((s: { name: string }) => s.name)).toEqual(["details", "productpage", "ratings", "reviews"]);
    const byNs = await (await services(new Request("http://x/api/services?namespace=default&namespace=shop"))).json();
    expect(byNs.services).toHaveLength(4);
    const none = await (await services(new Request("http://x/api/services?namespace=other"))).json();
    expect(none.services).toEqual([]);
  });

  it("GET /api/services rejects a malformed namespace or an unknown parameter, naming it", async () => {
    const bad = await services(new Request("http://x/api/services?namespace=Not_Valid"));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.issues[0].path).toBe("query.namespace");
    const unknown = await services(new Request("http://x/api/services?limit=3"));
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toContain("limit");
  });

  it("GET /api/graph builds the graph from the demo's telemetry when no Prometheus is configured", async () => {
    // The demo telemetry is sampled every 2 s; a rate needs two samples.
    let body: { nodes: { id: string }[]; edges: { id: string; rps: number }[]; source: { kind: string } } | undefined;
    // The demo's first calls go through its xDS clients' first resolution, slow on a loaded machine: wait for edges, up to 40 s.
    const deadline = Date.now() + 40_000;
    while (!body?.edges.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await graph(new Request("http://x/api/graph?graphType=workload&duration=1m"));
      expect(res.status).toBe(200);
      body = await res.json();
    }
    expect(body!.source.kind).toBe("demo");
    expect(body!.nodes.map((n) => n.id)).toContain("wl:default:reviews-v2");
    expect(body!.edges.find((e) => e.id === "unknown>wl:default:productpage-v1>grpc")!.rps).toBeGreaterThan(0);
    const s = await (await series(new Request("http://x/api/graph/series?id=wl:default:productpage-v1&minutes=1"))).json();
    expect(s.points.length).toBeGreaterThan(0);
    const l = await (await latency(new Request("http://x/api/graph/latency?id=unknown>wl:default:productpage-v1>grpc&duration=1m"))).json();
    expect(l.latency.p50).toBeGreaterThan(0);
    expect(l.latency.p99).toBeGreaterThanOrEqual(l.latency.p50);
  }, 60_000);

  it("GET /api/graph names bad parameters", async () => {
    for (const [q, path] of [
      ["duration=5x", "query.duration"],
      ["duration=5s", "query.duration"],
      ["graphType=pods", "query.graphType"],
      ["idle=maybe", "query.idle"],
      ["responseTime=p90", "query.responseTime"],
    ]) {
      const res = await graph(new Request(`http://x/api/graph?${q}`));
      expect(res.status, q).toBe(400);
      expect((await res.json()).error.issues[0].path).toBe(path);
    }
    const bad = await series(new Request("http://x/api/graph/series?id=nonsense"));
    expect(bad.status).toBe(400);
  });
});

describe("API routes with Prometheus unreachable", () => {
  let dir: string;
  let port: number;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-api-noprom-"));
    port = await freePort();
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO: "false", PROMETHEUS_URL: `http://127.0.0.1:${port}`, PROMETHEUS_TIMEOUT_MS: "2000", SEXTANT_LOG_LEVEL: "error" });
  });
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("GET /api/graph answers 503 with a clear error, not a 500 with a stack", async () => {
    const res = await graph(new Request("http://x/api/graph?namespace=default"));
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.code).toBe("unavailable");
    expect(body.error.message).toMatch(new RegExp(`^Prometheus is unavailable: cannot reach http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it("GET /api/health says metrics are down and the console is degraded, not down", async () => {
    const res = await health(new Request("http://x/api/health"));
    const body = await res.json();
    expect(body.checks.metrics).toMatchObject({ status: "down", kind: "prometheus" });
    expect(body.checks.metrics.error).toContain("cannot reach");
  });
});
