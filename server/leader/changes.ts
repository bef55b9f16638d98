import pg from "pg";
import { describeError } from "../errors";
import type { Logger } from "../log";

/**
 * Changes made on another replica, heard through PostgreSQL's LISTEN/NOTIFY: every change
 * notifies `sextant_changes` with its action ("intent.revise", "limiter.create"...) in the
 * transaction that makes it (server/store/audit.ts), so a notification arrives only for what was
 * committed. A broken connection is reopened (with backoff); what was missed meanwhile is caught
 * up by the runtime's periodic reconcile.
 */
export const CHANNEL = "sextant_changes";

export class ChangeFeed {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs = 1000;

  constructor(
    private readonly url: string,
    private readonly onChange: (action: string) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const c = new pg.Client({ connectionString: this.url, application_name: "sextant-changes" });
    const again = (why: string) => {
      if (this.client !== c || this.stopped) return;
      this.client = undefined;
      this.log.warn("lost the change feed; reconnecting", { why, inMs: this.backoffMs });
      c.end().catch(() => undefined);
      this.retry = setTimeout(() => void this.connect(), this.backoffMs);
      this.retry.unref();
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    };
    c.on("error", (e) => again(describeError(e)));
    c.on("end", () => again("the connection ended"));
    c.on("notification", (n) => n.channel === CHANNEL && this.onChange(n.payload ?? ""));
    this.client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      this.backoffMs = 1000;
      // What changed while not listening.
      this.onChange("reconnected");
    } catch (e) {
      again(describeError(e));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
