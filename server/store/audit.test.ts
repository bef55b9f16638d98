import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../testing/databases";
import { listAudit, recordAudit } from "./audit";
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
  });
}
