import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../log";
import { openDatabase } from "./database";

/** A fresh embedded database made from scripts/pglite-template.mjs's template, and the fallback when it is unusable. */
describe("the embedded database template", () => {
  let dir: string;
  let template: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-template-"));
    // What the script does: an initialized, empty cluster, dumped.
    const db = await PGlite.create();
    template = path.join(dir, "pglite.tar.gz");
    fs.writeFileSync(template, Buffer.from(await (await db.dumpDataDir("gzip")).arrayBuffer()));
    await db.close();
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const recorder = () => {
    const lines: { level: string; msg: string }[] = [];
    const log: Logger = {
      debug: () => {},
      info: (msg) => lines.push({ level: "info", msg }),
      warn: (msg) => lines.push({ level: "warn", msg }),
      error: (msg) => lines.push({ level: "error", msg }),
      child: () => log,
    };
    return { log, lines };
  };

  it("unpacks a new data directory from the template, migrates it, and keeps what is written", async () => {
    const dataDir = path.join(dir, "a");
    const { log, lines } = recorder();
    const db = await openDatabase({ dataDir, log, templateFile: template });
    expect(lines.map((l) => l.msg)).toContain("embedded database created from its template");
    expect(db.migrations.applied.length).toBeGreaterThan(0);
    await db.prisma.auditEvent.create({ data: { actor: "t", action: "template-test", outcome: "ok" } });
    await db.close();
    // A second open uses the directory as it is, not the template.
    const again = recorder();
    const db2 = await openDatabase({ dataDir, log: again.log, templateFile: template });
    expect(again.lines.map((l) => l.msg)).not.toContain("embedded database created from its template");
    expect(db2.migrations.applied).toEqual([]);
    expect(await db2.prisma.auditEvent.count({ where: { action: "template-test" } })).toBe(1);
    await db2.close();
  }, 60_000);

  it("creates the database as usual when the template is unusable, and says so", async () => {
    const bad = path.join(dir, "bad.tar.gz");
    fs.writeFileSync(bad, "not a tarball");
    const { log, lines } = recorder();
    const db = await openDatabase({ dataDir: path.join(dir, "b"), log, templateFile: bad });
    expect(lines).toContainEqual({ level: "warn", msg: "the embedded database template could not be used; creating the database instead" });
    expect(db.migrations.applied.length).toBeGreaterThan(0);
    expect(await db.ping()).toBeGreaterThanOrEqual(0);
    await db.close();
  }, 60_000);
});
