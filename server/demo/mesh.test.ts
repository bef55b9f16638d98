import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../mesh/registry";
import { serviceViews } from "../mesh/subsets";
import { quietLog } from "../testing/databases";
import { parseExposition, sum } from "../testing/prom-text";
import { DemoMesh } from "./mesh";
import { Outbound } from "./outbound";
import { ISTIO_LABELS } from "./telemetry";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the built-in demo mesh", () => {
  const registry = new MemoryRegistry();
  const mesh = new DemoMesh({ registry, log: quietLog, host: "127.0.0.1", metricsPort: 0, requestsPerSecond: 40, ratingsErrorRate: 0.2 });
  const scrape = async () => {
    const res = await fetch(mesh.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    return parseExposition(await res.text());
  };

  beforeAll(async () => {
    await mesh.start();
    await sleep(2500);
  });
  afterAll(() => mesh.stop());

  it("publishes Bookinfo's 4 services, 6 workloads and their ready endpoints to the registry", () => {
    const snap = registry.snapshot();
    expect(snap.namespaces).toEqual(["default"]);
    expect(snap.services.map((s) => s.name)).toEqual(["details", "productpage", "ratings", "reviews"]);
    expect(snap.workloads.map((w) => w.name)).toEqual(["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3"]);
    expect(snap.endpoints).toHaveLength(6);
    expect(snap.endpoints.every((e) => e.ready && e.address === "127.0.0.1" && e.ports[0]!.port > 0)).toBe(true);
    const reviews = serviceViews(snap).find((s) => s.name === "reviews")!;
    expect(reviews.hostname).toBe("reviews.default.svc.cluster.local");
    expect(reviews.subsets.map((s) => [s.name, s.workloads])).toEqual([
      ["v1", ["reviews-v1"]],
      ["v2", ["reviews-v2"]],
      ["v3", ["reviews-v3"]],
    ]);
    expect(registry.sources()).toEqual([expect.objectContaining({ name: "demo", state: "synced" })]);
  });

  it("serves real gRPC: productpage answers with details and reviews", async () => {
    const client = new Outbound(registry, mesh.telemetry, undefined);
    try {
      const r = await client.call<{ title: string; details: { author: string }; reviews: unknown[] }>("productpage", { productId: 7 });
      expect(r.code).toBe(grpc.status.OK);
      expect(r.response?.title).toBe("The Comedy of Errors");
      expect(r.response?.details.author).toBe("William Shakespeare");
      expect(r.response?.reviews).toHaveLength(2);
    } finally {
      client.close();
    }
  });

  it("exposes Istio's standard metrics with every standard label", async () => {
    const m = await scrape();
    expect(m.types.get("istio_requests_total")).toBe("counter");
    expect(m.types.get("istio_request_duration_milliseconds")).toBe("histogram");
    expect(m.types.get("istio_request_bytes")).toBe("histogram");
    expect(m.types.get("istio_response_bytes")).toBe("histogram");
    const requests = m.samples.filter((s) => s.name === "istio_requests_total");
    expect(requests.length).toBeGreaterThan(0);
    for (const s of requests) expect(Object.keys(s.labels).sort()).toEqual([...ISTIO_LABELS].sort());
    for (const name of ["istio_request_duration_milliseconds_bucket", "istio_request_bytes_bucket", "istio_response_bytes_bucket"]) {
      expect(m.samples.some((s) => s.name === name && s.labels.le === "+Inf")).toBe(true);
    }
    expect(m.samples.some((s) => s.name === "istio_request_duration_milliseconds_bucket" && s.labels.le === "0.5")).toBe(true);
  });

  it("records every Bookinfo edge, from the destination and (inside the mesh) from the source", async () => {
    const m = await scrape();
    const edge = (reporter: string, src: string, dst: string) =>
      sum(m, "istio_requests_total", { reporter, source_workload: src, destination_workload: dst });
    expect(edge("destination", "unknown", "productpage-v1")).toBeGreaterThan(0);
    expect(edge("source", "unknown", "productpage-v1")).toBe(0);
    for (const [src, dst] of [
      ["productpage-v1", "details-v1"],
      ["productpage-v1", "reviews-v1"],
      ["productpage-v1", "reviews-v2"],
      ["productpage-v1", "reviews-v3"],
      ["reviews-v2", "ratings-v1"],
      ["reviews-v3", "ratings-v1"],
    ] as const) {
      expect(edge("destination", src, dst), `${src} -> ${dst}`).toBeGreaterThan(0);
      expect(edge("source", src, dst), `${src} -> ${dst}`).toBeGreaterThan(0);
    }
    expect(edge("destination", "reviews-v1", "ratings-v1")).toBe(0);
    const s = m.samples.find((x) => x.name === "istio_requests_total" && x.labels.destination_workload === "ratings-v1")!;
    expect(s.labels).toMatchObject({
      destination_service: "ratings.default.svc.cluster.local",
      destination_service_name: "ratings",
      destination_app: "ratings",
      destination_version: "v1",
      destination_workload_namespace: "default",
      request_protocol: "grpc",
    });
  });

  it("makes some ratings calls fail as 5xx (gRPC UNAVAILABLE) while the rest succeed", async () => {
    const m = await scrape();
    const failed = sum(m, "istio_requests_total", { reporter: "destination", destination_workload: "ratings-v1", response_code: "503", grpc_response_status: "14" });
    const ok = sum(m, "istio_requests_total", { reporter: "destination", destination_workload: "ratings-v1", response_code: "200", grpc_response_status: "0" });
    expect(failed).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(failed);
    // Failures stay on the ratings edge: reviews degrades its answer but succeeds.
    expect(sum(m, "istio_requests_total", { destination_workload: "reviews-v2", response_code: "503" })).toBe(0);
  });

  it("counts what the load generator sends, and the counters keep growing", async () => {
    const before = await scrape();
    const a = mesh.loadGenerator.snapshot();
    await sleep(1500);
    const after = await scrape();
    const b = mesh.loadGenerator.snapshot();
    const productpage = (e: typeof before) => sum(e, "istio_requests_total", { reporter: "destination", destination_workload: "productpage-v1" });
    expect(productpage(after)).toBeGreaterThan(productpage(before));
    expect(sum(after, "istio_request_duration_milliseconds_count")).toBeGreaterThan(sum(before, "istio_request_duration_milliseconds_count"));
    // Completed requests are counted by productpage exactly; only in-flight ones may be missing.
    expect(productpage(after)).toBeGreaterThanOrEqual(b.succeeded + b.failed - 1);
    // ...plus the one request the "serves real gRPC" test above sent from outside the load generator.
    expect(productpage(after)).toBeLessThanOrEqual(b.sent + 1);
    // 40 rps for 1.5 s: about 60 requests.
    expect(b.sent - a.sent).toBeGreaterThan(40);
    expect(b.sent - a.sent).toBeLessThan(80);
  });

  it("changes rate while running", async () => {
    mesh.loadGenerator.setRate(0);
    await sleep(200);
    const a = mesh.loadGenerator.snapshot().sent;
    await sleep(500);
    expect(mesh.loadGenerator.snapshot().sent).toBe(a);
    mesh.loadGenerator.setRate(40);
    expect(() => mesh.loadGenerator.setRate(-1)).toThrow(RangeError);
  });

  it("answers 404 for other paths and 405 for other methods", async () => {
    const base = mesh.metricsUrl.replace(/\/metrics$/, "");
    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });
});

describe("stopping the demo mesh", () => {
  it("removes its endpoints and closes its ports", async () => {
    const registry = new MemoryRegistry();
    const mesh = new DemoMesh({ registry, log: quietLog, host: "127.0.0.1", metricsPort: 0, requestsPerSecond: 5, ratingsErrorRate: 0 });
    await mesh.start();
    const url = mesh.metricsUrl;
    await mesh.stop();
    expect(registry.snapshot().endpoints).toEqual([]);
    expect(registry.sources()[0]!.state).toBe("stopped");
    await expect(fetch(url)).rejects.toThrow();
  });
});
