import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { createPostgresDatabase } from "@/server/testing/databases";
import { type TcpHop, tcpHop } from "@/server/testing/tcp-hop";
import { GET as health } from "./health/route";
import { GET as list, PUT as apply } from "./intents/route";
import { GET as ready } from "./ready/route";

/**
 * The real PostgreSQL going away while Sextant runs (a TCP hop in front of it is cut, as a network
 * partition or a database restart cuts it), then coming back: readiness says so, writes are
 * refused with a clear 503 and nothing half-written, liveness stays up, and once the database is
 * back the same write succeeds without restarting Sextant.
 */
const json = (body: unknown) => new Request("http://x/api/intents", { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const shift = (v1: number) => ({ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: v1 }, { subset: "v2", weight: 100 - v1 }] } });

describe("PostgreSQL down while running", () => {
  let db: { url: string; drop(): Promise<void> };
  let hop: TcpHop;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const url = new URL(db.url);
    hop = await tcpHop(Number(url.port || 5432), url.hostname);
    url.host = `127.0.0.1:${hop.port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-db-down-"));
    await startRuntime({ DATABASE_URL: url.toString(), SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error" });
  }, 120_000);
  afterAll(async () => {
    await stopRuntime();
    await hop.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses writes clearly, says it is not ready, and recovers without a restart", { timeout: 120_000 }, async () => {
    const first = await apply(json({ intent: shift(50), expectedRevision: 0 }));
    expect(first.status).toBe(200);
    await hop.cut();
    const refused = await apply(json({ intent: shift(20), expectedRevision: 1 }));
    const body = await refused.json();
    expect(refused.status, JSON.stringify(body)).toBe(503);
    expect(body.error.message).toMatch(/^database is unavailable: /);
    expect(body.error.message).toMatch(/nothing was changed|connecting|unreachable|cannot be reached|connection/);
    await expect.poll(async () => (await ready(new Request("http://x/api/ready"))).status, { timeout: 30_000 }).toBe(503);
    expect((await health(new Request("http://x/api/health"))).status).toBe(200);
    // Back: the pool reconnects (the store retries in the background); the same write goes through.
    await hop.restore();
    await expect.poll(async () => (await ready(new Request("http://x/api/ready"))).status, { timeout: 60_000, interval: 500 }).toBe(200);
    await expect.poll(async () => (await apply(json({ intent: shift(20), expectedRevision: 1 }))).status, { timeout: 30_000, interval: 500 }).toBe(200);
    const intents = (await (await list(new Request("http://x/api/intents"))).json()).intents as { revision: number }[];
    expect(intents.map((i) => i.revision)).toEqual([2]);
  });
});
