import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { afterEach, describe, expect, it } from "vitest";
import { migrationList, noFilters, openSchemaEngine } from "../../scripts/lib/schema-engine.mjs";
import { quietLog } from "../testing/databases";
import { type SqlConnection, applyMigrations, defaultMigrationsDir, readMigrations } from "./migrate";

const schemaPath = path.join(process.cwd(), "prisma", "schema.prisma");
const conn = (db: PGlite): SqlConnection => ({
  exec: async (sql) => void (await db.exec(sql)),
  query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
});

const dbs: PGlite[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const newDb = async () => {
  const db = await PGlite.create();
  dbs.push(db);
  return db;
};
const tempMigrations = (files: Record<string, string>) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-migrations-"));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
};

describe("migrations", () => {
  it("applies the committed migrations once, then finds nothing to do", async () => {
    const db = await newDb();
    const migrations = readMigrations(defaultMigrationsDir());
    expect(migrations.length).toBeGreaterThan(0);
    const first = await applyMigrations(conn(db), migrations, quietLog);
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const second = await applyMigrations(conn(db), migrations, quietLog);
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.map((m) => m.name) });
  });

  it("records what Prisma's own engine expects: `prisma migrate deploy` finds nothing to apply", async () => {
    const db = await newDb();
    await applyMigrations(conn(db), readMigrations(defaultMigrationsDir()), quietLog);
    const engine = await openSchemaEngine(new PrismaPGlite(db), schemaPath);
    try {
      const list = migrationList(defaultMigrationsDir());
      const diagnosis = await engine.diagnoseMigrationHistory({ migrationsList: list, optInToShadowDatabase: false, filters: noFilters });
      expect(diagnosis).toMatchObject({ hasMigrationsTable: true, editedMigrationNames: [], failedMigrationNames: [], history: null });
      const deploy = await engine.applyMigrations({ migrationsList: list, filters: noFilters });
      expect(deploy.appliedMigrationNames).toEqual([]);
    } finally {
      engine.free();
    }
  });

  it("accepts a database that Prisma's engine migrated", async () => {
    const db = await newDb();
    const engine = await openSchemaEngine(new PrismaPGlite(db), schemaPath);
    try {
      const deploy = await engine.applyMigrations({ migrationsList: migrationList(defaultMigrationsDir()), filters: noFilters });
      expect(deploy.appliedMigrationNames.length).toBeGreaterThan(0);
    } finally {
      engine.free();
    }
    const ours = await applyMigrations(conn(db), readMigrations(defaultMigrationsDir()), quietLog);
    expect(ours.applied).toEqual([]);
  });

  it("keeps prisma/schema.prisma and prisma/migrations in agreement", async () => {
    const db = await newDb();
    const engine = await openSchemaEngine(new PrismaPGlite(db), schemaPath);
    try {
      const result = await engine.diff({
        from: { tag: "migrations", ...(migrationList(defaultMigrationsDir()) as object) },
        to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: fs.readFileSync(schemaPath, "utf8") }] },
        script: true,
        exitCode: null,
        filters: noFilters,
      });
      expect((result.stdout ?? "").trim()).toMatch(/^(-- This is an empty migration\.)?$/);
    } finally {
      engine.free();
    }
  });

  it("rolls back a failing migration completely, names it, and applies it once fixed", async () => {
    const db = await newDb();
    const bad = tempMigrations({
      "20260101000000_one": 'CREATE TABLE "one" (id int);',
      "20260102000000_two": 'CREATE TABLE "two" (id int); SELECT * FROM "no_such_table";',
    });
    await expect(applyMigrations(conn(db), readMigrations(bad), quietLog)).rejects.toThrow(/migration 20260102000000_two failed: .*no_such_table/);
    const tables = async () => (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname='public' ORDER BY 1`)).rows.map((r) => r.t);
    expect(await tables()).toEqual(["_prisma_migrations", "one"]);
    const rows = await db.query<{ migration_name: string }>(`SELECT migration_name FROM _prisma_migrations`);
    expect(rows.rows.map((r) => r.migration_name)).toEqual(["20260101000000_one"]);

    fs.writeFileSync(path.join(bad, "20260102000000_two", "migration.sql"), 'CREATE TABLE "two" (id int);');
    const fixed = await applyMigrations(conn(db), readMigrations(bad), quietLog);
    expect(fixed.applied).toEqual(["20260102000000_two"]);
    expect(await tables()).toEqual(["_prisma_migrations", "one", "two"]);
  });

  it("stops on a migration that failed outside Sextant and was left unfinished", async () => {
    const db = await newDb();
    const dir = tempMigrations({ "20260101000000_one": "SELECT 1;" });
    await applyMigrations(conn(db), readMigrations(dir), quietLog);
    await db.exec(`UPDATE _prisma_migrations SET finished_at = NULL`);
    await expect(applyMigrations(conn(db), readMigrations(dir), quietLog)).rejects.toThrow(/20260101000000_one failed earlier/);
  });
});
