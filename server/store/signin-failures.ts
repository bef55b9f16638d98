import type { FailureLog } from "../auth/throttle";
import type { PrismaClient } from "./generated/client.ts";

/** The sign-in throttle's failures in the database (see SigninFailure in prisma/schema.prisma). */
export function dbFailureLog(db: () => PrismaClient): FailureLog {
  return {
    async recent(keys, sinceMs) {
      const rows = await db().signinFailure.findMany({ where: { key: { in: keys }, at: { gt: new Date(sinceMs) } }, select: { key: true, at: true } });
      const out = new Map<string, number[]>(keys.map((k) => [k, []]));
      for (const r of rows) out.get(r.key)?.push(r.at.getTime());
      return out;
    },
    async add(keys, atMs) {
      await db().signinFailure.createMany({ data: keys.map((key) => ({ key, at: new Date(atMs) })) });
    },
    async clear(key) {
      await db().signinFailure.deleteMany({ where: { key } });
    },
    async prune(beforeMs) {
      await db().signinFailure.deleteMany({ where: { at: { lte: new Date(beforeMs) } } });
    },
  };
}
