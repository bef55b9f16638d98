import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { UnavailableError, describeError } from "../errors";
import type { Logger } from "../log";
import { PrismaClient } from "./generated/client.ts";
import { type MigrationResult, type SqlConnection, applyMigrations, defaultMigrationsDir, readMigrations } from "./migrate";

/**
 * Opens Sextant's database: PostgreSQL when a URL is given, otherwise the
 * embedded PGlite (PostgreSQL compiled to wasm, in this process) persisted
 * under the data directory. Both get the same migrations and the same client.
 */
export interface Database {
  kind: "embedded" | "postgres";
  /** Where the data lives, safe to show (no password). */
  location: string;
  prisma: PrismaClient;
  migrations: MigrationResult;
  /** Round-trips a trivial query; resolves with the latency in ms. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  /** For the embedded database: a directory, or "memory://" for a throw-away one. */
  dataDir: string;
  migrationsDir?: string;
  log: Logger;
  connectTimeoutMs?: number;
  /** A new embedded database's template (tests); default: the one scripts/pglite-template.mjs writes, if present. */
  templateFile?: string;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const migrations = readMigrations(opts.migrationsDir ?? defaultMigrationsDir());
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, migrations, opts) : openEmbedded(migrations, opts);
}

/** postgresql://user:secret@host/db -> postgresql://user@host/db */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

async function openPostgres(url: string, migrations: ReturnType<typeof readMigrations>, opts: OpenDatabaseOptions): Promise<Database> {
  const location = redactUrl(url);
  const timeout = opts.connectTimeoutMs ?? 5000;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeout });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new UnavailableError("database", `cannot connect to PostgreSQL at ${location}: ${describeError(e)}`, { cause: e });
  }
  let result: MigrationResult;
  try {
    const conn: SqlConnection = {
      exec: async (sql) => void (await client.query(sql)),
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    };
    result = await applyMigrations(conn, migrations, opts.log);
  } finally {
    await client.end().catch(() => undefined);
  }
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: timeout, max: 10 });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on("error", (e) => opts.log.warn("database connection lost", { error: describeError(e) }));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: "postgres",
    location,
    prisma,
    migrations: result,
    ping: () => timed(() => prisma.$queryRaw`SELECT 1`),
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

async function openEmbedded(migrations: ReturnType<typeof readMigrations>, opts: OpenDatabaseOptions): Promise<Database> {
  const inMemory = opts.dataDir === "memory://";
  const dir = inMemory ? undefined : path.join(opts.dataDir, "pglite");
  let release = () => {};
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    release = lockDataDir(opts.dataDir);
  }
  let db: PGlite;
  try {
    db = await createPGlite(dir, opts);
  } catch (e) {
    release();
    throw new UnavailableError("database", `cannot open the embedded database in ${dir}: ${describeError(e)}`, { cause: e });
  }
  let result: MigrationResult;
  try {
    const conn: SqlConnection = {
      exec: async (sql) => void (await db.exec(sql)),
      query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    };
    result = await applyMigrations(conn, migrations, opts.log);
  } catch (e) {
    await db.close().catch(() => undefined);
    release();
    throw e;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  return {
    kind: "embedded",
    location: dir ?? "memory",
    prisma,
    migrations: result,
    ping: () => timed(() => prisma.$queryRaw`SELECT 1`),
    close: async () => {
      await prisma.$disconnect().catch(() => undefined);
      // PGlite keeps the event loop alive until closed.
      if (!db.closed) await db.close();
      release();
    },
  };
}

/**
 * Opens (or creates) the embedded cluster. A new data directory is unpacked
 * from the template scripts/pglite-template.mjs made for this PGlite version,
 * when there is one: creating a cluster (initdb) is most of a first start's
 * time. A template that cannot be used is ignored (the cluster is created as
 * usual) and said in the log.
 */
async function createPGlite(dir: string | undefined, opts: OpenDatabaseOptions): Promise<PGlite> {
  const template = dir && !fs.existsSync(path.join(dir, "PG_VERSION")) ? (opts.templateFile ?? templateFile()) : undefined;
  if (dir && template) {
    try {
      const db = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([fs.readFileSync(template)]) });
      opts.log.info("embedded database created from its template", { template: path.basename(template) });
      return db;
    } catch (e) {
      opts.log.warn("the embedded database template could not be used; creating the database instead", { template, error: describeError(e) });
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    }
  }
  return PGlite.create(dir);
}

/** .sextant-cache/pglite-<installed version>.tar.gz, if it exists. */
function templateFile(): string | undefined {
  try {
    const { version } = JSON.parse(fs.readFileSync(path.join(process.cwd(), "node_modules", "@electric-sql", "pglite", "package.json"), "utf8")) as { version: string };
    const file = path.join(process.cwd(), ".sextant-cache", `pglite-${version}.tar.gz`);
    return fs.existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return Math.round((performance.now() - start) * 100) / 100;
}

/**
 * PGlite's files must have one writer. A pid file in the data directory stops
 * a second Sextant from opening the same database (which would corrupt it).
 */
function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, "sextant.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => {
        try {
          if (fs.readFileSync(file, "utf8") === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(fs.readFileSync(file, "utf8"));
      if (owner && isAlive(owner)) {
        throw new UnavailableError(
          "database",
          `the embedded database in ${dataDir} is in use by another Sextant (pid ${owner}${owner === process.pid ? ", this process" : ""}); stop it or set SEXTANT_DATA_DIR to another directory`,
        );
      }
      fs.unlinkSync(file); // stale lock from a process that is gone
    }
  }
  throw new UnavailableError("database", `cannot lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
