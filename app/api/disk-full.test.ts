import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { GET as revisions } from "./intents/[id]/revisions/route";
import { GET as list, PUT as apply } from "./intents/route";

/**
 * The embedded database on a disk that fills up (a 64 MiB tmpfs; mounting one needs root, as the
 * test machines run): a write is refused with a clear 503 naming the full disk, nothing is
 * half-written, reads go on, and once space is freed writes work again without a restart.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-disk-full-"));
let mounted = false;
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", dir], { stdio: "ignore" });
  mounted = true;
} catch {
  // Not root (or no mount namespace rights): said in the skip below.
}

const json = (body: unknown) => new Request("http://x/api/intents", { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const shift = (v1: number) => ({ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: v1 }, { subset: "v2", weight: 100 - v1 }] } });

describe.skipIf(!mounted)("the embedded database when the disk is full (needs root to mount a tmpfs)", () => {
  const filler = path.join(dir, "filler");
  beforeAll(async () => {
    await startRuntime({ SEXTANT_DATA_DIR: path.join(dir, "data"), SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error" });
  }, 120_000);
  afterAll(async () => {
    await stopRuntime();
    execFileSync("umount", [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses writes with a clear 503, writes nothing half, keeps serving reads, and recovers once space is freed", { timeout: 120_000 }, async () => {
    const first = await (await apply(json({ intent: shift(50), expectedRevision: 0 }))).json();
    const id = first.intent.id as string;
    let revision = first.intent.revision as number;
    // Fill the disk to the last byte.
    const fd = fs.openSync(filler, "w");
    try {
      for (const chunk = Buffer.alloc(1 << 20); ; ) fs.writeSync(fd, chunk);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      fs.closeSync(fd);
    }
    // Revisions fill the pages the tables already have; the first one that needs a new page is refused.
    let refused: { status: number; body: { error: { code: string; message: string } } } | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await apply(json({ intent: shift(i % 100), expectedRevision: revision }));
      const body = await res.json();
      if (res.status === 200) revision = body.intent.revision;
      else refused = { status: res.status, body };
    }
    expect(refused, "no write was refused on a full disk").toBeDefined();
    expect(refused!.status).toBe(503);
    expect(refused!.body.error.code).toBe("unavailable");
    expect(refused!.body.error.message).toMatch(/database is unavailable: it cannot write: the disk is full .*No space left on device.*nothing was changed/);
    // Nothing half-written: the intent is at the last revision that was answered 200, with exactly that many revisions.
    const revs = await (await revisions(new Request(`http://x/api/intents/${id}/revisions`), { params: Promise.resolve({ id }) })).json();
    expect(revs.revisions.map((r: { number: number }) => r.number).sort((a: number, b: number) => b - a)[0]).toBe(revision);
    expect(revs.revisions).toHaveLength(revision);
    // Reads go on.
    expect((await list(new Request("http://x/api/intents"))).status).toBe(200);
    // Space freed: the same write now succeeds, no restart.
    fs.rmSync(filler);
    const again = await apply(json({ intent: shift(7), expectedRevision: revision }));
    expect(again.status).toBe(200);
    expect((await again.json()).intent.revision).toBe(revision + 1);
  });
});
