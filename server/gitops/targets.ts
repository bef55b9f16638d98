import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { dnsLabel } from "../mesh/names";
import { telemetry } from "../telemetry/metrics";
import { InvalidError, NotFoundError } from "../errors";
import { Reply, type RouteContext } from "../http/route";
import type { Runtime } from "../runtime";
import { createTarget, deleteTarget, listExports, listTargets, recordExport, setAutoExport } from "../store/git-targets";
import { compareTrees, stripTop, untarGz } from "./compare";
import { BranchMovedError, commitExport, previewExport, readDir } from "./exporter";
import { exportTree } from "./layout";
import { exportObjects } from "./objects";
import { parseSecretKey, seal } from "./secrets";
import { withGit } from "./service";

/** Git targets (/api/gitops/targets): configure, preview an export, commit it, read the history. */
const refName = z.string().min(1).max(200).regex(/^(?!\/|.*\/\/|.*\.\.|.*\.lock$|.*[\s~^:?*[\\])[A-Za-z0-9._/-]+(?<!\/)$/, "must be a Git branch name such as main");
export const targetBody = z.strictObject({
  name: dnsLabel("must be a name of lower-case letters, digits and '-'"),
  url: z
    .string()
    .min(1)
    .max(1000)
    .refine((v) => path.isAbsolute(v) || /^https?:\/\/[^\s@]+$/.test(v) || /^(ssh:\/\/[^\s]+|[\w.-]+@[\w.-]+:[^\s]+)$/.test(v), "must be an absolute path to a repository, an https:// URL (credentials go in token, not the URL), or an SSH address such as git@github.com:org/repo.git"),
  branch: refName,
  path: z.string().max(200).regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]*$/, "must be a directory inside the repository, without .. (empty: its root)").default(""),
  mode: z.enum(["commit", "branch"], { error: "must be commit (to the branch) or branch (a new branch per change, for a pull request)" }).default("commit"),
  authKind: z.enum(["none", "token", "ssh-key"], { error: "must be none, token or ssh-key" }).default("none"),
  secret: z.string().min(1, "must not be empty").max(20_000).optional(),
});
export const targetParams = z.strictObject({ id: z.uuid({ error: "must be a target id (UUID)" }) });
export const commitBody = z.strictObject({ base: z.string().regex(/^([0-9a-f]{40}|)$/, "must be the base commit of the preview (40 hex digits, or empty for a new branch)") });

/** The person asking, else (anonymous access) the configured author. */
function gitAuthor(ctx: RouteContext, rt: Runtime): { name: string; email: string } {
  const who = ctx.user.name;
  return who === "anonymous" ? rt.config.gitops.author : { name: who, email: who.includes("@") ? who : `${who}@sextant.invalid` };
}

export async function serveTargets(ctx: RouteContext) {
  ctx.requireAllNamespaces("a Git target (it holds every namespace's objects)");
  const rt = await ctx.runtime();
  return { targets: await listTargets(rt.store.get().prisma), secretsEnabled: Boolean(rt.config.gitops.secretKey) };
}

export async function serveCreateTarget(ctx: RouteContext, b: z.infer<typeof targetBody>) {
  const rt = await ctx.runtime();
  if (b.authKind !== "none" && !b.secret) throw new InvalidError("a token or key is required for this kind of authentication", [{ path: "body.secret", message: "required" }]);
  if (b.authKind === "none" && b.secret) throw new InvalidError("a secret was given with authKind none", [{ path: "body.authKind", message: "must be token or ssh-key when a secret is given" }]);
  const key = parseSecretKey(rt.config.gitops.secretKey);
  if (b.secret && !key) throw new InvalidError("secrets are stored encrypted: set SEXTANT_SECRET_KEY (32 bytes, e.g. openssl rand -hex 32) to store a token or key", [{ path: "body.secret", message: "cannot be stored without SEXTANT_SECRET_KEY" }]);
  const { secret, ...rest } = b;
  const target = await createTarget(rt.store.get().prisma, { ...rest, autoExport: false, sealed: secret && key ? seal(key, secret) : null }).catch((e: unknown) => {
    if (String(e).includes("Unique constraint")) throw new InvalidError(`a target named ${b.name} exists already`, [{ path: "body.name", message: "is taken" }]);
    throw e;
  });
  return new Reply(201, { target });
}

export async function serveDeleteTarget(ctx: RouteContext, p: z.infer<typeof targetParams>) {
  const rt = await ctx.runtime();
  if (!(await deleteTarget(rt.store.get().prisma, p.id))) throw new NotFoundError(`Git target ${p.id}`);
  const dir = path.join(rt.config.dataDir, "gitops", p.id);
  for (const f of [dir, `${dir}.known_hosts`]) fs.rmSync(f, { recursive: true, force: true });
  return { deleted: p.id };
}

export async function servePreviewExport(ctx: RouteContext, p: z.infer<typeof targetParams>) {
  ctx.requireAllNamespaces("a Git target (it holds every namespace's objects)");
  const rt = await ctx.runtime();
  const tree = exportTree(await exportObjects(rt));
  return withGit(rt, p.id, (git, spec) => previewExport(git, spec, tree));
}

export const autoExportBody = z.strictObject({ autoExport: z.boolean({ error: "must be true or false" }) });

/** PUT /api/gitops/targets/:id: auto-export on or off. */
export async function serveUpdateTarget(ctx: RouteContext, p: z.infer<typeof targetParams>, b: z.infer<typeof autoExportBody>) {
  const rt = await ctx.runtime();
  const db = rt.store.get().prisma;
  if (!(await setAutoExport(db, p.id, b.autoExport))) throw new NotFoundError(`Git target ${p.id}`);
  if (b.autoExport) rt.gitops?.trigger();
  return { id: p.id, autoExport: b.autoExport };
}

export async function serveCommitExport(ctx: RouteContext, p: z.infer<typeof targetParams>, b: z.infer<typeof commitBody>) {
  const rt = await ctx.runtime();
  const db = rt.store.get().prisma;
  const tree = exportTree(await exportObjects(rt));
  const author = gitAuthor(ctx, rt);
  try {
    const r = await withGit(rt, p.id, (git, spec) => commitExport(git, spec, tree, { expectedBase: b.base, author }));
    telemetry().gitExport(r.result);
    await recordExport(db, { targetId: p.id, author: `${author.name} <${author.email}>`, branch: r.branch, commit: r.commit ?? "", files: r.files, result: r.result, message: r.message });
    return r;
  } catch (e) {
    if (e instanceof BranchMovedError) return new Reply(409, { error: { code: "conflict", message: e.message, issues: [] }, requestId: ctx.requestId, preview: e.preview });
    telemetry().gitExport("failed");
    await recordExport(db, { targetId: p.id, author: `${author.name} <${author.email}>`, branch: "", commit: "", files: [], result: "failed", message: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
    throw e;
  }
}

export async function serveExports(ctx: RouteContext, p: z.infer<typeof targetParams>) {
  ctx.requireAllNamespaces("a Git target (it holds every namespace's objects)");
  const rt = await ctx.runtime();
  return { exports: await listExports(rt.store.get().prisma, p.id) };
}

export const compareBody = z.strictObject({
  /** A .tar.gz (e.g. one Sextant exported, or `tar -czf` of a repository's directory), base64. */
  archive: z.string().min(1, "must not be empty").max(12 * 1024 * 1024, "at most 9 MB of archive").regex(/^[A-Za-z0-9+/=\s]+$/, "must be base64"),
});

/** POST /api/gitops/targets/:id/compare: the target branch's objects against Sextant's state, per object. */
export async function serveCompareTarget(ctx: RouteContext, p: z.infer<typeof targetParams>) {
  ctx.requireAllNamespaces("a Git target (it holds every namespace's objects)");
  const rt = await ctx.runtime();
  const tree = exportTree(await exportObjects(rt));
  return withGit(rt, p.id, async (git, spec) => {
    await git.sync(spec.url, spec.branch);
    return { objects: compareTrees(readDir(path.join(git.dir, spec.path)), tree) };
  });
}

/** POST /api/gitops/compare: an uploaded .tar.gz's objects against Sextant's state, per object. */
export async function serveCompareArchive(ctx: RouteContext, b: z.infer<typeof compareBody>) {
  ctx.requireAllNamespaces("a Git target (it holds every namespace's objects)");
  const rt = await ctx.runtime();
  let files;
  try {
    files = stripTop(untarGz(Buffer.from(b.archive, "base64")));
  } catch (e) {
    throw new InvalidError(`the archive cannot be read: ${e instanceof Error ? e.message : String(e)}`, [{ path: "body.archive", message: e instanceof Error ? e.message : String(e) }]);
  }
  return { objects: compareTrees(files, exportTree(await exportObjects(rt))) };
}
