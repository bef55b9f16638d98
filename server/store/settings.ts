import type { PrismaClient } from "./generated/client.ts";

/** Per-namespace settings: auto-apply to the cluster. */
export async function autoApplyNamespaces(db: PrismaClient): Promise<Set<string>> {
  const rows = await db.namespaceSetting.findMany({ where: { autoApply: true }, select: { namespace: true } });
  return new Set(rows.map((r) => r.namespace));
}

export async function setAutoApply(db: PrismaClient, namespace: string, autoApply: boolean, by: string): Promise<void> {
  await db.namespaceSetting.upsert({ where: { namespace }, create: { namespace, autoApply, updatedBy: by }, update: { autoApply, updatedBy: by } });
}
