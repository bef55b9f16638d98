import { afterAll, describe, expect, it } from "vitest";
import type { Logger } from "../log";
import { countUsers } from "../store/identities";
import { testDatabases } from "../testing/databases";
import { Auth } from "./service";

/**
 * The first-admin setup link with several replicas: each prints its own link; either link works
 * on either replica (the hashes are in the database, not in one process); the first use ends them all.
 */

function captured(): { log: Logger; links: string[] } {
  const links: string[] = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg) => void links.push(/\/setup\?token=([\w-]+)/.exec(msg)?.[1] ?? ""), child: () => log };
  return { log, links };
}

for (const dbs of testDatabases()) describe(`setup links across replicas (${dbs.name})`, () => {
  afterAll(() => dbs.cleanup());
  it("a link printed by one replica works on another, once; two used at once make one admin", async () => {
    const db = await dbs.open();
    const replica = (log: Logger) => new Auth({ mode: "local", db: () => db.prisma, adminPassword: undefined, sessionIdleMs: 60_000, sessionMaxMs: 3_600_000, log });
    const [la, lb] = [captured(), captured()];
    const [a, b] = [replica(la.log), replica(lb.log)];
    await a.init();
    await b.init();
    const [linkA, linkB] = [la.links[0]!, lb.links[0]!];
    expect(linkA).toMatch(/^[\w-]{20,}$/);
    expect(linkB).not.toBe(linkA);
    expect(await a.setupPending()).toBe(true);
    expect(await b.checkSetup(linkA)).toBe(true);
    expect(await a.checkSetup(linkB)).toBe(true);
    expect(await a.checkSetup(`${linkA}x`)).toBe(false);
    // Both links used at the same moment (one per replica): one first admin, the other refused.
    const { createUser } = await import("../store/identities");
    const made = await Promise.allSettled(["root", "rival"].map((name) => createUser(db.prisma, { name, passwordHash: "scrypt$x", role: "admin", namespaces: [] }, { onlyFirst: true })));
    expect(made.map((m) => m.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(String((made.find((m) => m.status === "rejected") as PromiseRejectedResult).reason)).toContain("the first user exists already");
    await b.endSetup();
    expect(await countUsers(db.prisma)).toBe(1);
    for (const r of [a, b]) for (const l of [linkA, linkB]) expect(await r.checkSetup(l)).toBe(false);
    expect(await a.setupPending()).toBe(false);
  });
});
