import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../log";
import { type Database, openDatabase } from "../store/database";
import { createPostgresDatabase } from "./postgres";

export { POSTGRES_ADMIN_URL, createPostgresDatabase } from "./postgres";

/**
 * The two databases every store test runs against: the embedded PGlite (in a
 * temporary directory, as users run it) and the real PostgreSQL server on
 * 127.0.0.1:5432 (a fresh database per test file, dropped afterwards).
 */

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
