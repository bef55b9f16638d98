import fs from "node:fs";
import path from "node:path";
import { ConflictError } from "../errors";
import { type FileChange, changesOf, commitMessage, describe } from "./changes";
import { type Git, GitError } from "./git";
import type { Tree } from "./layout";

/**
 * An export to one Git target: preview (what the branch holds now against the export, per file)
 * and commit (write the tree under the target's path, one commit, push). The commit is refused
 * when the branch moved since the preview; a push rejected as non-fast-forward is retried once
 * after a fresh fetch; a failed export leaves the working copy clean and the remote untouched.
 */
export interface TargetSpec {
  url: string;
  branch: string;
  /** Directory inside the repository ("" = its root). */
  path: string;
  mode: "commit" | "branch";
}

export interface ExportPreview {
  /** The branch's commit the preview was made against ("" for a branch that does not exist yet). */
  base: string;
  changes: FileChange[];
  message: string;
}

export interface ExportResult {
  result: "committed" | "nothing";
  commit?: string;
  branch: string;
  files: { path: string; change: FileChange["change"] }[];
  message: string;
  compareUrl?: string;
}

export class BranchMovedError extends ConflictError {
  constructor(readonly preview: ExportPreview) {
    super("the branch moved since the preview (someone else pushed); review the new diff before committing");
  }
}

export function readDir(root: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(root)) return out;
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (d.name === ".git") continue;
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isFile()) out.set(path.relative(root, p).split(path.sep).join("/"), fs.readFileSync(p, "utf8"));
    }
  };
  walk(root);
  return out;
}

async function state(git: Git, t: TargetSpec, tree: Tree): Promise<{ base: string; current: Map<string, string>; changes: FileChange[] }> {
  const { head } = await git.sync(t.url, t.branch);
  const current = readDir(path.join(git.dir, t.path));
  return { base: head, current, changes: changesOf(current, tree) };
}

function message(current: Map<string, string>, tree: Tree, changes: FileChange[]): string {
  return commitMessage(changes.map((c) => describe(c, current.get(c.path), tree.get(c.path))));
}

export async function previewExport(git: Git, t: TargetSpec, tree: Tree): Promise<ExportPreview> {
  const s = await state(git, t, tree);
  return { base: s.base, changes: s.changes, message: s.changes.length ? message(s.current, tree, s.changes) : "" };
}

/** The branch a change is pushed to in pull-request mode: sextant/<namespace>-<name>-r<revision> of its first changed object. */
export function reviewBranch(tree: Tree, changes: FileChange[]): string {
  const first = changes.find((c) => !c.path.endsWith("kustomization.yaml")) ?? changes[0]!;
  const [ns, file] = first.path.split("/");
  const name = (file ?? ns ?? "export").replace(/\.yaml$/, "").replace(/^[a-z]+-/, "");
  const rev = /r(\d+)/.exec(/sextant\.io\/source: "?([^"\n]*)/.exec(tree.get(first.path) ?? "")?.[1] ?? "")?.[1] ?? "0";
  return `sextant/${file ? `${ns}-` : ""}${name}-r${rev}`.replace(/[^A-Za-z0-9/._-]/g, "-");
}

/** GitHub's and GitLab's compare page for a pushed branch. */
export function compareUrl(url: string, base: string, branch: string): string | undefined {
  const m = /^(?:https:\/\/|git@)(github\.com|gitlab\.com)[/:]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  if (!m) return undefined;
  return m[1] === "github.com" ? `https://github.com/${m[2]}/compare/${base}...${branch}?expand=1` : `https://gitlab.com/${m[2]}/-/compare/${base}...${branch}`;
}

const rejected = (e: unknown) => e instanceof GitError && /non-fast-forward|fetch first|\[rejected\]|failed to push some refs/.test(e.stderr);

export async function commitExport(git: Git, t: TargetSpec, tree: Tree, opts: { expectedBase: string; author: { name: string; email: string } }): Promise<ExportResult> {
  for (let attempt = 0; ; attempt++) {
    const s = await state(git, t, tree);
    if (attempt === 0 && s.base !== opts.expectedBase) throw new BranchMovedError({ base: s.base, changes: s.changes, message: s.changes.length ? message(s.current, tree, s.changes) : "" });
    if (s.changes.length === 0) return { result: "nothing", branch: t.branch, files: [], message: "" };
    const msg = message(s.current, tree, s.changes);
    const branch = t.mode === "branch" ? reviewBranch(tree, s.changes) : t.branch;
    try {
      const root = path.join(git.dir, t.path);
      for (const c of s.changes) {
        const file = path.join(root, c.path);
        if (c.change === "deleted") fs.rmSync(file, { force: true });
        else {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, tree.get(c.path)!);
        }
      }
      await git.run(["add", "-A", "--", t.path || "."]);
      await git.run(["-c", "user.name=Sextant", "-c", "user.email=sextant@sextant.invalid", "commit", "-q", "--no-verify", `--author=${opts.author.name} <${opts.author.email}>`, "-F", "-"], { input: msg });
      const commit = (await git.run(["rev-parse", "HEAD"])).trim();
      await git.run(["push", "-q", "origin", `HEAD:refs/heads/${branch}`]);
      return { result: "committed", commit, branch, files: s.changes.map(({ path: p, change }) => ({ path: p, change })), message: msg, ...(t.mode === "branch" && s.base ? { compareUrl: compareUrl(t.url, t.branch, branch) } : {}) };
    } catch (e) {
      // Nothing half-done stays behind: the next sync resets the working copy to the remote.
      await git.run(["reset", "-q", "--hard"]).catch(() => undefined);
      await git.run(["clean", "-qfdx"]).catch(() => undefined);
      if (attempt === 0 && rejected(e) && t.mode === "commit") continue;
      throw e;
    }
  }
}
