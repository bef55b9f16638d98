import pg from "pg";
import { describeError } from "../errors";
import { withTimeout } from "../timeout";
import type { Logger } from "../log";

/**
 * Which replica runs the writers (auto-apply to the cluster, auto-export to Git). Every replica
 * serves the UI, the API and xDS; only the leader writes, and a writer asks `leading` right
 * before each write. Without a shared database (the embedded one) the process is alone and leads.
 * On PostgreSQL the leader holds a session-level advisory lock on its own connection: the lock
 * goes when that session ends (the process dies, the connection breaks), and another replica
 * takes it at its next try (every `retryMs`). The leader checks its connection every `retryMs`
 * and stops leading as soon as a check fails or takes longer than `renewDeadlineMs`, so it stops
 * writing no later than PostgreSQL can give the lock away.
 */
export interface Leadership {
  readonly leading: boolean;
  /** What kind of election: "alone" (embedded database), "postgres" (advisory lock) or "kubernetes-lease" (lease.ts). */
  readonly kind: string;
  start(): void;
  stop(): Promise<void>;
  onChange(listener: (leading: boolean) => void): void;
}

export class Alone implements Leadership {
  readonly leading = true;
  readonly kind = "alone";
  start(): void {}
  async stop(): Promise<void> {}
  onChange(): void {}
}

/** What the elections share: a try every `retryMs`, whether this replica leads, and who is told when that changes. */
export abstract class Elector implements Leadership {
  abstract readonly kind: string;
  protected isLeading = false;
  protected stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((leading: boolean) => void)[] = [];

  constructor(
    protected readonly log: Logger,
    protected readonly retryMs: number,
  ) {}

  get leading(): boolean {
    return this.isLeading;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.stopped = false;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
  }

  /** One try: take, keep or lose the leadership. */
  protected abstract tick(): Promise<void>;
  abstract stop(): Promise<void>;

  /** No more tries (stop() then releases what it holds). */
  protected stopTrying(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  protected set(leading: boolean, why: string, fields: Record<string, string> = {}): void {
    if (leading === this.isLeading) return;
    this.isLeading = leading;
    this.log.info(leading ? "leading: this replica runs the writers" : "not leading", { why, ...fields });
    for (const l of this.listeners) l(leading);
  }
}

/** A fixed 64-bit key: every Sextant replica on the database competes for the same lock. */
export const LEADER_LOCK = 0x5e47a17_1eadn;

export class PgLeader extends Elector {
  readonly kind = "postgres";
  private client: pg.Client | undefined;
  private busy = false;
  /** When the lock was last known held (taken, or the session answered): `leading` goes false past the deadline even if a check hangs. */
  private heldAt = 0;

  constructor(
    private readonly url: string,
    log: Logger,
    retryMs = 2000,
    private readonly renewDeadlineMs = 10_000,
  ) {
    super(log, retryMs);
    if (!(retryMs < renewDeadlineMs)) throw new Error("advisory lock timings: retry < renew deadline");
  }

  override get leading(): boolean {
    return this.isLeading && Date.now() - this.heldAt < this.renewDeadlineMs;
  }

  private drop(why: string): void {
    this.set(false, why);
    const c = this.client;
    this.client = undefined;
    c?.end().catch(() => undefined);
  }

  protected async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (!this.client) {
        const c = new pg.Client({ connectionString: this.url, application_name: "sextant-leader" });
        c.on("error", (e) => this.drop(`the leader connection failed: ${describeError(e)}`));
        c.on("end", () => this.client === c && this.drop("the leader connection ended"));
        await c.connect();
        this.client = c;
      }
      const c = this.client;
      if (this.isLeading) {
        // Renew: the session (and with it the lock) is alive, within the deadline.
        await withTimeout(c.query("SELECT 1"), this.renewDeadlineMs, "no answer from the leader's connection");
        this.heldAt = Date.now();
      } else {
        const r = await c.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [LEADER_LOCK.toString()]);
        if (r.rows[0]?.locked) {
          this.heldAt = Date.now();
          this.set(true, "took the advisory lock");
        }
      }
    } catch (e) {
      this.drop(`cannot hold leadership: ${describeError(e)}`);
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    this.stopTrying();
    const c = this.client;
    this.client = undefined;
    this.set(false, "stopping");
    // Ending the session releases the lock at once: another replica leads at its next try.
    await c?.end().catch(() => undefined);
  }
}
