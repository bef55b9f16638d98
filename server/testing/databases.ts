import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createLogger } from "../log";
import { type Database, openDatabase } from "../store/database";

/**
 * The two databases every store test runs against: the embedded PGlite (in a
 * temporary directory, as users run it) and the real PostgreSQL server on
 * 127.0.0.1:5432 (a fresh database per test file, dropped afterwards).
 */
export const POSTGRES_ADMIN_URL = process.env.SEXTANT_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  name: "embedded" | "postgres";
  /** Opens a new, empty, migrated database. */
  open(): Promise<Database>;
  /** Closes every database this helper opened and removes its files / drops it. */
  cleanup(): Promise<void>;
}

export const quietLog = createLogger({ test: true });

export function embeddedTestDatabase(): TestDatabase {
  const opened: { db: Database; dir: string }[] = [];
  return {
    name: "embedded",
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-test-"));
      const db = await openDatabase({ dataDir: dir, log: quietLog });
      opened.push({ db, dir });
      return db;
    },
    async cleanup() {
      for (const { db, dir } of opened.splice(0)) {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sextant_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export function postgresTestDatabase(): TestDatabase {
  const opened: { db: Database; drop(): Promise<void> }[] = [];
  return {
    name: "postgres",
    async open() {
      const { url, drop } = await createPostgresDatabase();
      const db = await openDatabase({ databaseUrl: url, dataDir: "unused", log: quietLog });
      opened.push({ db, drop });
      return db;
    },
    async cleanup() {
      for (const { db, drop } of opened.splice(0)) {
        await db.close();
        await drop();
      }
    },
  };
}

export const testDatabases = (): TestDatabase[] => [embeddedTestDatabase(), postgresTestDatabase()];
