import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../testing/databases";
import type { Database } from "./database";
import { createSession, createToken, createUser, endSession, liveSession, liveToken, revokeToken, sha256 } from "./identities";

for (const target of testDatabases()) {
  describe(`users, sessions and tokens on ${target.name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(() => target.cleanup());

    it("a session ends when idle too long, past its absolute expiry, on sign-out, or when its user is disabled; only its hash is stored", async () => {
      const u = await createUser(db.prisma, { name: "sam", passwordHash: "scrypt$x", role: "operator", namespaces: ["b", "a"] });
      expect(u.namespaces).toEqual(["a", "b"]);
      const idle = 60_000;
      const s = await createSession(db.prisma, { userId: u.id, subject: "sam", role: "operator", namespaces: [], absoluteMs: 3_600_000 });
      expect(await db.prisma.session.count({ where: { id: s.cookie } })).toBe(0);
      expect(await db.prisma.session.count({ where: { id: sha256(s.cookie) } })).toBe(1);
      expect((await liveSession(db.prisma, s.cookie, idle))?.user?.name).toBe("sam");
      // Unused for longer than the idle time: gone.
      await db.prisma.session.update({ where: { id: sha256(s.cookie) }, data: { lastSeenAt: new Date(Date.now() - idle - 1000) } });
      expect(await liveSession(db.prisma, s.cookie, idle)).toBeUndefined();
      expect(await db.prisma.session.count({ where: { id: sha256(s.cookie) } })).toBe(0);
      // Past its absolute expiry, however recently used.
      const t = await createSession(db.prisma, { userId: u.id, subject: "sam", role: "operator", namespaces: [], absoluteMs: 3_600_000 });
      await db.prisma.session.update({ where: { id: sha256(t.cookie) }, data: { expiresAt: new Date(Date.now() - 1) } });
      expect(await liveSession(db.prisma, t.cookie, idle)).toBeUndefined();
      // Signed out; and a disabled user's sessions.
      const v = await createSession(db.prisma, { userId: u.id, subject: "sam", role: "operator", namespaces: [], absoluteMs: 3_600_000 });
      await endSession(db.prisma, v.cookie);
      expect(await liveSession(db.prisma, v.cookie, idle)).toBeUndefined();
      const w = await createSession(db.prisma, { userId: u.id, subject: "sam", role: "operator", namespaces: [], absoluteMs: 3_600_000 });
      await db.prisma.user.update({ where: { id: u.id }, data: { disabled: true } });
      expect(await liveSession(db.prisma, w.cookie, idle)).toBeUndefined();
    });

    it("a token is live until revoked or expired; its secret is stored only as a hash", async () => {
      const u = await createUser(db.prisma, { name: "ci-owner", passwordHash: "scrypt$x", role: "admin", namespaces: [] });
      const { secret, token } = await createToken(db.prisma, { userId: u.id, name: "ci", role: "viewer", namespaces: [], expiresAt: null });
      expect(JSON.stringify(await db.prisma.apiToken.findMany())).not.toContain(secret);
      expect((await liveToken(db.prisma, secret)).state).toBe("live");
      expect((await liveToken(db.prisma, `${secret}x`)).state).toBe("unknown");
      await revokeToken(db.prisma, token.id);
      expect((await liveToken(db.prisma, secret)).state).toBe("revoked");
      const old = await createToken(db.prisma, { userId: u.id, name: "old", role: "viewer", namespaces: [], expiresAt: new Date(Date.now() - 1000) });
      expect((await liveToken(db.prisma, old.secret)).state).toBe("expired");
      await expect(createToken(db.prisma, { userId: u.id, name: "ci", role: "viewer", namespaces: [], expiresAt: null })).rejects.toThrow("already exists");
    });
  });
}
