import { telemetry } from "../telemetry/metrics";
import fs from "node:fs";
import path from "node:path";
import { InvalidError, NotFoundError } from "../errors";
import type { Runtime } from "../runtime";
import { getTarget, recordExport } from "../store/git-targets";
import { type TargetSpec, commitExport, previewExport } from "./exporter";
import { Git, GitError } from "./git";
import { exportTree } from "./layout";
import { exportObjects } from "./objects";
import { open, parseSecretKey } from "./secrets";

/** Operations on one Git target, for the routes and for auto-export (no HTTP here). */
/** One operation at a time per target: its working copy is shared. */
const queues = new Map<string, Promise<unknown>>();
function serial<T>(id: string, work: () => Promise<T>): Promise<T> {
  const next = (queues.get(id) ?? Promise.resolve()).catch(() => undefined).then(work);
  queues.set(id, next);
  return next;
}

export async function withGit<T>(rt: Runtime, id: string, work: (git: Git, spec: TargetSpec) => Promise<T>): Promise<T> {
  const db = rt.store.get().prisma;
  const t = await getTarget(db, id);
  if (!t) throw new NotFoundError(`Git target ${id}`);
  const key = parseSecretKey(rt.config.gitops.secretKey);
  const secret = t.sealed && key ? open(key, t.sealed) : undefined;
  if (t.sealed && !key) throw new InvalidError("this target's secret cannot be read: SEXTANT_SECRET_KEY is not set (or changed)");
  const dir = path.join(rt.config.dataDir, "gitops", t.id);
  return serial(id, async () => {
    let keyFile: string | undefined;
    if (t.authKind === "ssh-key" && secret) {
      keyFile = `${dir}.key`;
      fs.mkdirSync(path.dirname(keyFile), { recursive: true });
      fs.writeFileSync(keyFile, secret.endsWith("\n") ? secret : `${secret}\n`, { mode: 0o600 });
    }
    try {
      return await work(new Git(dir, { kind: t.authKind, ...(secret ? { secret } : {}) }, keyFile), { url: t.url, branch: t.branch, path: t.path, mode: t.mode });
    } catch (e) {
      // Git's own words (scrubbed of credentials) are what an operator needs: a 422, not a 500.
      if (e instanceof GitError) throw new InvalidError(e.message);
      throw e;
    } finally {
      if (keyFile) fs.rmSync(keyFile, { force: true });
    }
  });
}

/** An export without a person's review (auto-export): preview and commit at once, recorded in the history. */
export async function exportNow(rt: Runtime, id: string): Promise<void> {
  const db = rt.store.get().prisma;
  const tree = exportTree(await exportObjects(rt));
  const author = rt.config.gitops.author;
  try {
    const r = await withGit(rt, id, async (git, spec) => commitExport(git, spec, tree, { expectedBase: (await previewExport(git, spec, tree)).base, author }));
    telemetry().gitExport(r.result);
    if (r.result === "committed") await recordExport(db, { targetId: id, author: `${author.name} <${author.email}> (auto-export)`, branch: r.branch, commit: r.commit ?? "", files: r.files, result: r.result, message: r.message });
  } catch (e) {
    telemetry().gitExport("failed");
    await recordExport(db, { targetId: id, author: `${author.name} <${author.email}> (auto-export)`, branch: "", commit: "", files: [], result: "failed", message: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
    throw e;
  }
}

