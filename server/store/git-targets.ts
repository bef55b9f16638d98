import { audited } from "./audit";
import type { PrismaClient } from "./generated/client.ts";

/** Git targets and their export history. The secret column is sealed (server/gitops/secrets.ts) and never returned by `listTargets`. */
export interface TargetRow {
  id: string;
  name: string;
  url: string;
  branch: string;
  path: string;
  mode: "commit" | "branch";
  authKind: "none" | "token" | "ssh-key";
  hasSecret: boolean;
  autoExport: boolean;
}

const view = (r: { id: string; name: string; url: string; branch: string; path: string; mode: string; authKind: string; secret: string | null; autoExport: boolean }): TargetRow => ({
  id: r.id,
  name: r.name,
  url: r.url,
  branch: r.branch,
  path: r.path,
  mode: r.mode as TargetRow["mode"],
  authKind: r.authKind as TargetRow["authKind"],
  hasSecret: r.secret !== null,
  autoExport: r.autoExport,
});

export async function listTargets(db: PrismaClient): Promise<TargetRow[]> {
  return (await db.gitTarget.findMany({ orderBy: { name: "asc" } })).map(view);
}

export async function getTarget(db: PrismaClient, id: string): Promise<(TargetRow & { sealed: string | null }) | undefined> {
  const r = await db.gitTarget.findUnique({ where: { id } });
  return r ? { ...view(r), sealed: r.secret } : undefined;
}

export async function createTarget(db: PrismaClient, t: Omit<TargetRow, "id" | "hasSecret"> & { sealed: string | null }): Promise<TargetRow> {
  const { sealed, ...rest } = t;
  return db.$transaction(async (tx) => {
    const row = view(await tx.gitTarget.create({ data: { ...rest, secret: sealed } }));
    await audited(tx, { action: "gitops.target.create", resource: `git target ${row.name}`, after: row });
    return row;
  });
}

export async function setAutoExport(db: PrismaClient, id: string, autoExport: boolean): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const before = await tx.gitTarget.findUnique({ where: { id } });
    if (!before) return false;
    await tx.gitTarget.update({ where: { id }, data: { autoExport } });
    await audited(tx, { action: "gitops.target.auto-export", resource: `git target ${before.name}`, before: { autoExport: before.autoExport }, after: { autoExport } });
    return true;
  });
}

export async function deleteTarget(db: PrismaClient, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const before = await tx.gitTarget.findUnique({ where: { id } });
    if (!before) return false;
    await tx.gitTarget.delete({ where: { id } });
    await audited(tx, { action: "gitops.target.delete", resource: `git target ${before.name}`, before: view(before) });
    return true;
  });
}

/** The export's record; a commit is a change made elsewhere (in Git), audited with it. */
export async function recordExport(db: PrismaClient, e: { targetId: string; author: string; branch: string; commit: string; files: unknown; result: string; message: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.gitExport.create({ data: { ...e, files: e.files as never } });
    if (e.result === "committed") {
      const t = await tx.gitTarget.findUnique({ where: { id: e.targetId }, select: { name: true } });
      await audited(tx, { action: "gitops.commit", resource: `git target ${t?.name ?? e.targetId} ${e.branch}@${e.commit.slice(0, 12)}`, details: { files: e.files, message: e.message, author: e.author } });
    }
  });
}

export async function listExports(db: PrismaClient, targetId: string, take = 50) {
  const rows = await db.gitExport.findMany({ where: { targetId }, orderBy: { id: "desc" }, take });
  return rows.map((r) => ({ at: r.at.toISOString(), author: r.author, branch: r.branch, commit: r.commit, files: r.files, result: r.result, message: r.message }));
}
