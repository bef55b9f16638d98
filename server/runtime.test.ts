import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config";
import { checkHealth } from "./health";
import { listServices } from "./mesh/catalog";
import { startRuntime, stopRuntime } from "./runtime";

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-rt-"));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await stopRuntime();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("the runtime", () => {
  it("starts with embedded defaults: embedded database, demo mesh, healthy", async () => {
    const rt = await startRuntime({ SEXTANT_DATA_DIR: tempDir(), SEXTANT_DEMO_METRICS_PORT: "0" });
    expect(rt.store.kind).toBe("embedded");
    const h = await checkHealth(rt);
    expect(h.status).toBe("ok");
    expect(h.checks.database).toMatchObject({ status: "ok", kind: "embedded", state: "ready" });
    expect(h.checks.registry).toMatchObject({ status: "ok", services: 4, workloads: 6, readyEndpoints: 6 });
    expect(listServices(rt.registry).services.map((s) => s.name)).toEqual(["details", "productpage", "ratings", "reviews"]);
  });

  it("keeps running when the database is down, and health says the database is the problem", async () => {
    const rt = await startRuntime({
      SEXTANT_DATA_DIR: tempDir(),
      DATABASE_URL: "postgresql://postgres@127.0.0.1:1/sextant",
      SEXTANT_DEMO: "false",
    });
    const body = await checkHealth(rt);
    expect(body.status).toBe("down");
    expect(body.checks.database).toMatchObject({ status: "down", kind: "postgres", state: "failed" });
    expect(body.checks.database.error).toMatch(/cannot connect to PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/sextant.*ECONNREFUSED/);
    expect(body.checks.registry.error).toContain("no registry source");
    expect(() => rt.store.get()).toThrow(/database is unavailable: cannot connect/);
  });

  it("refuses to start on bad configuration, naming the variable", async () => {
    await expect(startRuntime({ PORT: "eighty" })).rejects.toThrow(ConfigError);
    await expect(startRuntime({ PORT: "eighty" })).rejects.toThrow(/PORT="eighty": must be a number/);
  });

  it("refuses a second process-level open of the same embedded data directory", async () => {
    const dir = tempDir();
    const rt = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_DEMO: "false" });
    expect((await rt.store.health()).status).toBe("ok");
    const { openDatabase } = await import("./store/database");
    await expect(openDatabase({ dataDir: dir, log: rt.log })).rejects.toThrow(/in use by another Sextant \(pid \d+, this process\)/);
  });
});
