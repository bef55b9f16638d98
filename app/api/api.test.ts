import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { GET as health } from "./health/route";
import { GET as services } from "./services/route";

/** The API routes over a real runtime (embedded database, demo mesh), called as Next.js calls them. */
describe("API routes", () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-api-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "warn" });
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
    expect(Object.keys(body.checks)).toEqual(["process", "database", "registry"]);
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
});
