import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase, quietLog } from "../testing/databases";
import { ChangeFeed } from "./changes";
import { PgLeader } from "./leadership";

/**
 * Leader election and the change feed on the real PostgreSQL: two replicas' electors compete for
 * one advisory lock; exactly one leads; when the leader's session dies (as when its process is
 * killed) or it stops, the other leads within its retry period. A NOTIFY sent in a transaction
 * reaches the listeners only if the transaction commits.
 */
describe("replicas on one PostgreSQL", () => {
  let db: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const until = async (cond: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it("exactly one leads; the other takes over when the leader's session dies, then when it stops", async () => {
    // a tries again only after a minute: once its session is killed it stays away, as a killed process does.
    const a = new PgLeader(db.url, quietLog, 60_000, 120_000);
    const b = new PgLeader(db.url, quietLog, 200, 1000);
    a.start();
    await until(() => a.leading);
    b.start();
    await new Promise((r) => setTimeout(r, 800));
    expect([a.leading, b.leading]).toEqual([true, false]);
    // The leader's process dies: PostgreSQL ends its session, the lock goes with it.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const started = Date.now();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sextant-leader' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)");
    await until(() => b.leading && !a.leading);
    expect(Date.now() - started).toBeLessThan(5000);
    await a.stop();
    // The leader stops (graceful shutdown): the lock is released at once, and a third takes it.
    const c = new PgLeader(db.url, quietLog, 200, 1000);
    c.start();
    await new Promise((r) => setTimeout(r, 600));
    expect(c.leading).toBe(false);
    await b.stop();
    await until(() => c.leading, 3000);
    await c.stop();
    await admin.end();
  });

  it("past the renew deadline without a successful check, `leading` is false even before any timer has run", async () => {
    const a = new PgLeader(db.url, quietLog, 200, 1000);
    a.start();
    await until(() => a.leading);
    // The event loop is held (a long synchronous task): no check can run, no timer fires.
    const end = Date.now() + 1200;
    while (Date.now() < end) {
      // busy
    }
    expect(a.leading).toBe(false);
    await a.stop();
  });

  it("a change is heard by other replicas when its transaction commits, not when it rolls back", async () => {
    const heard: string[] = [];
    const feed = new ChangeFeed(db.url, (action) => heard.push(action), quietLog);
    feed.start();
    await until(() => heard.includes("reconnected"));
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    await writer.query("BEGIN");
    await writer.query("SELECT pg_notify('sextant_changes', 'intent.revise')");
    await writer.query("ROLLBACK");
    await writer.query("BEGIN");
    await writer.query("SELECT pg_notify('sextant_changes', 'limiter.create')");
    await writer.query("COMMIT");
    await until(() => heard.includes("limiter.create"));
    expect(heard).not.toContain("intent.revise");
    await writer.end();
    await feed.stop();
  });
});
