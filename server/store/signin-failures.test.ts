import { afterAll, describe, expect, it } from "vitest";
import { LoginThrottle } from "../auth/throttle";
import { testDatabases } from "../testing/databases";
import { dbFailureLog } from "./signin-failures";

/**
 * The sign-in throttle's failures in the database: two replicas (two throttles on one database)
 * count the same failures, so spreading attempts over replicas gains nothing, and a restart
 * (a new throttle) forgets nothing; failures older than the window are pruned.
 */
for (const t of testDatabases()) {
  describe(`sign-in failures (${t.name})`, () => {
    afterAll(() => t.cleanup());

    it("are shared by replicas, survive a restart, clear on success, and are pruned after the window", async () => {
      const db = await t.open();
      let now = 1_000_000;
      const replica = () => new LoginThrottle(dbFailureLog(() => db.prisma), 5, 60_000, () => now);
      const [a, b] = [replica(), replica()];
      for (let i = 0; i < 5; i++) {
        await (i % 2 ? a : b).fail(["user:ada", "addr:10.0.0.9"]);
        now += 1000;
      }
      expect(await a.retryAfter(["user:ada"])).toBe(55);
      expect(await b.retryAfter(["user:ada"])).toBe(55);
      expect(await replica().retryAfter(["addr:10.0.0.9", "user:bob"])).toBe(55);
      await b.succeed("user:ada");
      expect(await a.retryAfter(["user:ada"])).toBe(0);
      expect(await a.retryAfter(["addr:10.0.0.9"])).toBe(55);
      now += 60_000;
      await a.fail(["user:carl"]);
      expect(await db.prisma.signinFailure.count()).toBe(1);
    });
  });
}
