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
  return view(await db.gitTarget.create({ data: { ...rest, secret: sealed } }));
}

export async function deleteTarget(db: PrismaClient, id: string): Promise<boolean> {
  return (await db.gitTarget.deleteMany({ where: { id } })).count > 0;
}

export async function recordExport(db: PrismaClient, e: { targetId: string; author: string; branch: string; commit: string; files: unknown; result: string; message: string }): Promise<void> {
  await db.gitExport.create({ data: { ...e, files: e.files as never } });
}

export async function listExports(db: PrismaClient, targetId: string, take = 50) {
  const rows = await db.gitExport.findMany({ where: { targetId }, orderBy: { id: "desc" }, take });
  return rows.map((r) => ({ at: r.at.toISOString(), author: r.author, branch: r.branch, commit: r.commit, files: r.files, result: r.result, message: r.message }));
}
