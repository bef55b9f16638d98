import { UnavailableError, describeError } from "../errors";
import { withTimeout } from "../timeout";
import type { Logger } from "../log";
import { type Database, type OpenDatabaseOptions, openDatabase } from "./database";

/**
 * Keeps the database connection for the process. A database that is down at
 * start-up does not stop the console: it keeps trying in the background (with
 * backoff), /api/health says what is wrong, and store-backed requests answer
 * 503 naming the problem instead of hanging.
 */
export type StoreState = "connecting" | "ready" | "failed" | "closed";

export interface StoreHealth {
  status: "ok" | "down";
  kind: "embedded" | "postgres";
  state: StoreState;
  location?: string;
  latencyMs?: number;
  error?: string;
  lastAttempt?: string;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const PING_TIMEOUT_MS = 3000;

export class StoreSupervisor {
  private db: Database | undefined;
  private state: StoreState = "connecting";
  private error: string | undefined;
  private lastAttempt: Date | undefined;
  private retry: NodeJS.Timeout | undefined;
  private backoff = MIN_BACKOFF_MS;
  private opening: Promise<void> | undefined;

  constructor(
    private readonly opts: OpenDatabaseOptions,
    private readonly log: Logger,
  ) {}

  get kind(): "embedded" | "postgres" {
    return this.opts.databaseUrl ? "postgres" : "embedded";
  }

  /** Makes the first attempt; resolves when it has succeeded or failed (retries continue in the background). */
  start(): Promise<void> {
    this.opening ??= this.attempt();
    return this.opening;
  }

  /** The open database, or UnavailableError saying why there is none. */
  get(): Database {
    if (this.db) return this.db;
    throw new UnavailableError("database", this.error ?? "still connecting");
  }

  async health(): Promise<StoreHealth> {
    const base = { kind: this.kind, state: this.state, lastAttempt: this.lastAttempt?.toISOString() };
    if (!this.db) return { ...base, status: "down", error: this.error ?? "still connecting" };
    try {
      const latencyMs = await withTimeout(this.db.ping(), PING_TIMEOUT_MS, "no answer");
      return { ...base, status: "ok", location: this.db.location, latencyMs };
    } catch (e) {
      return { ...base, status: "down", location: this.db.location, error: `the database does not answer: ${describeError(e)}` };
    }
  }

  async close(): Promise<void> {
    this.state = "closed";
    if (this.retry) clearTimeout(this.retry);
    await this.opening?.catch(() => undefined);
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  private async attempt(): Promise<void> {
    if (this.state === "closed") return;
    this.lastAttempt = new Date();
    try {
      const db = await openDatabase(this.opts);
      if ((this.state as StoreState) === "closed") {
        await db.close();
        return;
      }
      this.db = db;
      this.state = "ready";
      this.error = undefined;
      this.backoff = MIN_BACKOFF_MS;
      this.log.info("database ready", { kind: db.kind, location: db.location, applied: db.migrations.applied });
    } catch (e) {
      this.state = "failed";
      this.error = e instanceof UnavailableError ? e.detail : describeError(e);
      this.log.error("database unavailable; retrying", { error: this.error, retryInMs: this.backoff });
      this.retry = setTimeout(() => {
        this.opening = this.attempt();
      }, this.backoff);
      this.retry.unref();
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    }
  }
}
