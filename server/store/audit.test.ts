import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../testing/databases";
import { actingAs, audited, listAudit, recordAudit, verifyChain } from "./audit";
import type { Database } from "./database";

for (const target of testDatabases()) {
  describe(`audit log on ${target.name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(() => target.cleanup());

    it("records events and lists them newest first, filtered and paged", async () => {
      for (let n = 0; n < 5; n++) {
        await recordAudit(db.prisma, {
          actor: n % 2 ? "bob" : "alice",
          action: "intent.apply",
          resource: n < 3 ? "default/reviews" : "default/ratings",
          outcome: n === 4 ? "failure" : "success",
          requestId: `req-${n}`,
          details: { n },
        });
      }
      const all = await listAudit(db.prisma);
      expect(all.map((e) => e.requestId)).toEqual(["req-4", "req-3", "req-2", "req-1", "req-0"]);
      expect(all[0]).toMatchObject({ actor: "alice", outcome: "failure", details: { n: 4 } });
      expect((await listAudit(db.prisma, { resource: "default/reviews" })).length).toBe(3);
      expect((await listAudit(db.prisma, { actor: "bob" })).map((e) => e.requestId)).toEqual(["req-3", "req-1"]);
      const page = await listAudit(db.prisma, { beforeId: all[1]!.id, limit: 2 });
      expect(page.map((e) => e.requestId)).toEqual(["req-2", "req-1"]);
    });

    it("chains every entry to the one before; an edited, removed or inserted row breaks the check at that row", async () => {
      await db.prisma.$transaction((tx) => actingAs({ actor: "carol", requestId: "r-9", source: "10.0.0.9", route: "intents.apply" }, () => audited(tx, { action: "intents.apply", resource: "traffic-shift default/reviews r2", before: { weights: [10, 90] }, after: { weights: [0, 100] } })));
      const [last] = await listAudit(db.prisma, { limit: 1 });
      expect(last).toMatchObject({ actor: "carol", requestId: "r-9", source: "10.0.0.9", resource: "traffic-shift default/reviews r2" });
      expect((last!.details as { diff: string }).diff).toContain("-  - 10");
      expect(await verifyChain(db.prisma)).toEqual({ ok: true, entries: 6 });
      // Concurrent appends still make one chain.
      await Promise.all(Array.from({ length: 8 }, (_, n) => db.prisma.$transaction((tx) => recordAudit(tx, { actor: "x", action: "race", outcome: "success", details: { n } }))));
      expect(await verifyChain(db.prisma)).toEqual({ ok: true, entries: 14 });

      // Someone edits a row in the database: the check fails and names it.
      const victim = (await listAudit(db.prisma, { actor: "bob" }))[0]!;
      await db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET actor = 'mallory' WHERE id = ${victim.id}`);
      expect(await verifyChain(db.prisma)).toMatchObject({ ok: false, broken: { id: victim.id, reason: expect.stringContaining("changed") } });
      await db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET actor = 'bob' WHERE id = ${victim.id}`);
      expect((await verifyChain(db.prisma)).ok).toBe(true);
      // A row removed: the next one no longer follows.
      await db.prisma.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE id = ${victim.id}`);
      const after = await verifyChain(db.prisma);
      expect(after.ok).toBe(false);
      expect(BigInt(after.broken!.id)).toBeGreaterThan(BigInt(victim.id));
      expect(after.broken!.reason).toContain("removed");
    });
  });
}
