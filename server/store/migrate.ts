import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../log";

/**
 * Applies the committed migrations in prisma/migrations at start-up, without
 * Prisma's native schema engine (which cannot be downloaded everywhere).
 *
 * It keeps Prisma's own bookkeeping: the `_prisma_migrations` table with the
 * same columns, the same checksum (SHA-256 of migration.sql, hex) and the same
 * advisory lock id, so `prisma migrate deploy` run later by a user sees these
 * migrations as applied, and a database migrated by Prisma is accepted here.
 * Each migration and its bookkeeping row commit in one transaction: a failed
 * migration leaves nothing half-applied and is retried on the next start.
 */

/** The minimal SQL surface migrations need; implemented for PGlite and node-postgres. */
export interface SqlConnection {
  /** Runs a script that may hold several statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MigrationError";
  }
}

/** Prisma's advisory lock key for migrations (see prisma-engines, "72707369" = "prisma" in a sense). */
const PRISMA_ADVISORY_LOCK = 72707369;

const BOOKKEEPING_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export function checksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/** Reads `<dir>/<name>/migration.sql` folders, oldest first (names start with a timestamp). */
export function readMigrations(dir: string): Migration[] {
  if (!fs.existsSync(dir)) throw new MigrationError(`migrations folder ${dir} does not exist`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      if (!fs.existsSync(file)) throw new MigrationError(`migration ${name} has no migration.sql`);
      const sql = fs.readFileSync(file, "utf8");
      return { name, sql, checksum: checksum(sql) };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

export async function applyMigrations(conn: SqlConnection, migrations: Migration[], log: Logger): Promise<MigrationResult> {
  await conn.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
  try {
    await conn.exec(BOOKKEEPING_TABLE);
    const rows = await conn.query<AppliedRow>(
      `SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations" ORDER BY "started_at"`,
    );
    const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed.length > 0) {
      throw new MigrationError(
        `migration ${failed.map((r) => r.migration_name).join(", ")} failed earlier and was left unfinished; ` +
          "resolve it (see `prisma migrate resolve`) before starting Sextant",
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]));
    const known = new Set(migrations.map((m) => m.name));
    const unknown = [...done.keys()].filter((n) => !known.has(n));
    if (unknown.length > 0) {
      log.warn("database has migrations this version of Sextant does not know (a newer version ran here?)", { unknown });
    }

    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      const row = done.get(m.name);
      if (row) {
        if (row.checksum !== m.checksum) {
          log.warn("an applied migration was edited after it ran; the database keeps the original", { migration: m.name });
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      try {
        await conn.exec("BEGIN");
        await conn.exec(m.sql);
        await conn.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count")
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await conn.exec("COMMIT");
      } catch (e) {
        await conn.exec("ROLLBACK").catch(() => undefined);
        throw new MigrationError(`migration ${m.name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      log.info("applied database migration", { migration: m.name });
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await conn.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
  }
}
