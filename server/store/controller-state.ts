import type { Prisma, PrismaClient } from "./generated/client.ts";

/**
 * What the leader's controllers computed, kept for the other replicas (see ControllerState in
 * prisma/schema.prisma). A save notifies `sextant_changes` with "state.<key>" in its own
 * transaction, so followers hear of it once it is committed (server/leader/changes.ts).
 */
export async function saveControllerState(db: PrismaClient, key: string, value: unknown): Promise<void> {
  const json = value as Prisma.InputJsonValue;
  await db.$transaction(async (tx) => {
    const updatedAt = new Date();
    await tx.controllerState.upsert({ where: { key }, create: { key, value: json, updatedAt }, update: { value: json, updatedAt } });
    await tx.$executeRaw`SELECT pg_notify('sextant_changes', ${`state.${key}`})`;
  });
}

export async function loadControllerState(db: PrismaClient, key: string): Promise<{ value: unknown; updatedAt: Date } | undefined> {
  const row = await db.controllerState.findUnique({ where: { key } });
  return row ? { value: row.value, updatedAt: row.updatedAt } : undefined;
}
