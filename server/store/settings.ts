import { audited } from "./audit";
import type { PrismaClient } from "./generated/client.ts";

/** Per-namespace settings: auto-apply to the cluster. */
export async function autoApplyNamespaces(db: PrismaClient): Promise<Set<string>> {
  const rows = await db.namespaceSetting.findMany({ where: { autoApply: true }, select: { namespace: true } });
  return new Set(rows.map((r) => r.namespace));
}

export async function setAutoApply(db: PrismaClient, namespace: string, autoApply: boolean, by: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const before = await tx.namespaceSetting.findUnique({ where: { namespace }, select: { autoApply: true } });
    await tx.namespaceSetting.upsert({ where: { namespace }, create: { namespace, autoApply, updatedBy: by }, update: { autoApply, updatedBy: by } });
    await audited(tx, { action: "settings.auto-apply", resource: `namespace ${namespace}`, before: { autoApply: before?.autoApply ?? false }, after: { autoApply } });
  });
}
