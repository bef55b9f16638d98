import type { Prisma, PrismaClient } from "./generated/client.ts";

/**
 * The first-admin setup links' secrets (SHA-256), one per replica that printed one, kept in
 * ControllerState under "auth.setup-links" so a link works on any replica. At most 20, each for
 * 7 days; cleared when the first admin is created.
 */
const KEY = "auth.setup-links";
const MAX = 20;
const TTL_MS = 7 * 24 * 3_600_000;
type Link = { hash: string; at: string };

async function read(db: PrismaClient): Promise<Link[]> {
  const row = await db.controllerState.findUnique({ where: { key: KEY } });
  const links = ((row?.value as { links?: Link[] } | null)?.links ?? []).filter((l) => typeof l.hash === "string" && Date.now() - Date.parse(l.at) < TTL_MS);
  return links;
}

export async function setupLinks(db: PrismaClient): Promise<string[]> {
  return (await read(db)).map((l) => l.hash);
}

export async function addSetupLink(db: PrismaClient, hash: string): Promise<void> {
  await db.$transaction(async (tx) => {
    // One writer at a time (replicas start together): the row is locked, or created, first.
    await tx.$executeRaw`INSERT INTO "ControllerState" ("key", "value", "updatedAt") VALUES (${KEY}, '{"links":[]}'::jsonb, now()) ON CONFLICT ("key") DO NOTHING`;
    await tx.$queryRaw`SELECT 1 FROM "ControllerState" WHERE "key" = ${KEY} FOR UPDATE`;
    const links = [...(await read(tx as unknown as PrismaClient)), { hash, at: new Date().toISOString() }].slice(-MAX);
    await tx.controllerState.update({ where: { key: KEY }, data: { value: { links } as Prisma.InputJsonValue, updatedAt: new Date() } });
  });
}

export async function clearSetupLinks(db: PrismaClient): Promise<void> {
  await db.controllerState.deleteMany({ where: { key: KEY } });
}
