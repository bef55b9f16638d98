import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../errors";
import { testDatabases } from "../testing/databases";
import type { Database } from "./database";
import { createIntent, findIntent, getIntent, getRevision, listIntents, listRevisions, reviseIntent } from "./intents";

for (const target of testDatabases()) {
  describe(`intents store on ${target.name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(() => target.cleanup());

    const reviews = { kind: "traffic-shift", namespace: "default", target: "reviews" };
    const spec80 = { weights: [{ subset: "v1", weight: 80 }, { subset: "v2", weight: 20 }] };

    it("creates an intent with revision 1 holding the spec, author and message", async () => {
      const i = await createIntent(db.prisma, reviews, { spec: spec80, author: "alice", message: "canary v2" });
      expect(i.revision).toBe(1);
      expect(i.current).toMatchObject({ number: 1, spec: spec80, author: "alice", message: "canary v2", rendered: null });
      expect(i.current.createdAt).toBeInstanceOf(Date);
      expect(await getIntent(db.prisma, i.id)).toMatchObject({ ...reviews, revision: 1, current: { spec: spec80 } });
    });

    it("refuses a second intent of the same kind on the same target", async () => {
      await expect(createIntent(db.prisma, reviews, { spec: {}, author: "bob" })).rejects.toThrow(ConflictError);
    });

    it("appends revisions and keeps history newest first", async () => {
      const i = (await findIntent(db.prisma, reviews))!;
      const next = await reviseIntent(db.prisma, i.id, 1, { spec: { weights: [{ subset: "v2", weight: 100 }] }, author: "bob", rendered: [{ kind: "VirtualService" }] });
      expect(next.revision).toBe(2);
      expect(next.current.rendered).toEqual([{ kind: "VirtualService" }]);
      const history = await listRevisions(db.prisma, i.id);
      expect(history.map((r) => [r.number, r.author])).toEqual([
        [2, "bob"],
        [1, "alice"],
      ]);
      expect((await getRevision(db.prisma, i.id, 1)).spec).toEqual(spec80);
    });

    it("rejects a write based on a stale revision with 409 and writes nothing", async () => {
      const i = (await findIntent(db.prisma, reviews))!;
      const err = await reviseIntent(db.prisma, i.id, 1, { spec: { stale: true }, author: "carol" }).catch((e) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err.message).toContain("revision 2 is in force now");
      expect(err.message).not.toContain(i.id);
      expect((await listRevisions(db.prisma, i.id)).length).toBe(2);
      expect((await getIntent(db.prisma, i.id)).current.spec).not.toEqual({ stale: true });
    });

    it("lets exactly one of two concurrent writers win", async () => {
      const i = (await findIntent(db.prisma, reviews))!;
      const results = await Promise.allSettled([
        reviseIntent(db.prisma, i.id, i.revision, { spec: { by: "x" }, author: "x" }),
        reviseIntent(db.prisma, i.id, i.revision, { spec: { by: "y" }, author: "y" }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.filter((r) => r.status === "rejected");
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect((await getIntent(db.prisma, i.id)).revision).toBe(i.revision + 1);
    });

    it("lists intents with their current spec, filtered", async () => {
      await createIntent(db.prisma, { kind: "fault", namespace: "default", target: "ratings" }, { spec: { abort: 500 }, author: "alice" });
      await createIntent(db.prisma, { kind: "fault", namespace: "shop", target: "cart" }, { spec: { delay: "7s" }, author: "alice" });
      const all = await listIntents(db.prisma);
      expect(all.map((i) => `${i.namespace}/${i.target}/${i.kind}`)).toEqual(["default/ratings/fault", "default/reviews/traffic-shift", "shop/cart/fault"]);
      expect((await listIntents(db.prisma, { kind: "fault", namespace: "shop" })).map((i) => i.current.spec)).toEqual([{ delay: "7s" }]);
    });

    it("says which intent is missing", async () => {
      const missing = "00000000-0000-4000-8000-000000000000";
      await expect(getIntent(db.prisma, missing)).rejects.toThrow(NotFoundError);
      await expect(reviseIntent(db.prisma, missing, 1, { spec: {}, author: "a" })).rejects.toThrow(`intent ${missing} not found`);
      await expect(listRevisions(db.prisma, missing)).rejects.toThrow(NotFoundError);
    });
  });
}
