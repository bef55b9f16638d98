import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config";
import { checkHealth } from "./health";
import { listServices } from "./mesh/catalog";
import { startRuntime, stopRuntime } from "./runtime";
import { createIntent, findIntent } from "./store/intents";
import { createPostgresDatabase } from "./testing/databases";

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
    const rt = await startRuntime({ SEXTANT_DATA_DIR: tempDir(), SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0" });
    expect(rt.store.kind).toBe("embedded");
    const h = await checkHealth(rt);
    expect(h.status).toBe("ok");
    expect(h.checks.database).toMatchObject({ status: "ok", kind: "embedded", state: "ready" });
    expect(h.checks.registry).toMatchObject({ status: "ok", services: 4, workloads: 6, readyEndpoints: 6 });
    expect(listServices(rt.registry).services.map((s) => s.name)).toEqual(["details", "productpage", "ratings", "reviews"]);
  });

  it("keeps running when the database is down, and health says the database is the problem", async () => {
    const rt = await startRuntime({
      SEXTANT_DATA_DIR: tempDir(), SEXTANT_XDS_PORT: "0",
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
    const rt = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO: "false" });
    expect((await rt.store.health()).status).toBe("ok");
    const { openDatabase } = await import("./store/database");
    await expect(openDatabase({ dataDir: dir, log: rt.log })).rejects.toThrow(/in use by another Sextant \(pid \d+, this process\)/);
  });

  it("uses PostgreSQL when DATABASE_URL is set, migrating it at start-up", async () => {
    const pg = await createPostgresDatabase();
    try {
      const rt = await startRuntime({ SEXTANT_DATA_DIR: tempDir(), SEXTANT_XDS_PORT: "0", DATABASE_URL: pg.url, SEXTANT_DEMO: "false" });
      const h = await checkHealth(rt);
      expect(h.checks.database).toMatchObject({ status: "ok", kind: "postgres", state: "ready" });
      expect(rt.store.get().migrations.applied.length).toBeGreaterThan(0);
      await createIntent(rt.store.get().prisma, { kind: "fault", namespace: "default", target: "ratings" }, { spec: { abort: 500 }, author: "test" });
      await stopRuntime();
    } finally {
      await pg.drop();
    }
  });

  it("keeps what it stored across a restart of the embedded database", async () => {
    const dir = tempDir();
    const target = { kind: "traffic-shift", namespace: "default", target: "reviews" };
    const first = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO: "false" });
    await createIntent(first.store.get().prisma, target, { spec: { weights: [{ subset: "v1", weight: 100 }] }, author: "alice" });
    await stopRuntime();
    expect(fs.existsSync(path.join(dir, "sextant.pid"))).toBe(false);

    const second = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO: "false" });
    expect(second.store.get().migrations).toMatchObject({ applied: [] });
    const intent = await findIntent(second.store.get().prisma, target);
    expect(intent?.current).toMatchObject({ author: "alice", spec: { weights: [{ subset: "v1", weight: 100 }] } });
  });
});
