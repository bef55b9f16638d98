import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { intentDraftSchema } from "../intents/schemas";
import { startGitHttp } from "../testing/git-http";
import { translateAll } from "../translate/translate";
import { BranchMovedError, type TargetSpec, commitExport, previewExport } from "./exporter";
import { Git, GitError } from "./git";
import { type ExportObject, exportTree } from "./layout";

/** Exports to real Git: a local bare repository, and Git's smart-HTTP server with a token. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-git-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=Someone", "-c", "user.email=someone@example.com", ...args], { cwd, encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }).trim();

function objects(v1: number, withFilter = true): ExportObject[] {
  const target = { namespace: "bookinfo", name: "reviews", hostname: "reviews.bookinfo.svc.cluster.local", subsets: ["v1", "v2", "v3"] };
  const rendered = translateAll([target], [intentDraftSchema.parse({ kind: "traffic-shift", namespace: "bookinfo", target: "reviews", spec: { weights: [{ subset: "v1", weight: v1 }, { subset: "v3", weight: 100 - v1 }] } })]);
  const ef = { apiVersion: "networking.istio.io/v1alpha3", kind: "EnvoyFilter", metadata: { name: "reviews.bookinfo.ratelimit", namespace: "bookinfo" }, spec: { workloadSelector: { labels: { app: "reviews" } }, configPatches: [] } };
  return [...rendered.map((o) => ({ object: o as never, source: "intent traffic-shift r3" })), ...(withFilter ? [{ object: ef, source: "smartlimiter reviews r1" }] : [])];
}

/** A bare repository with someone's own files in it already (a README, and a file in the export's directory). */
function repo(name: string): string {
  const bare = path.join(tmp, `${name}.git`);
  git(tmp, "init", "-q", "--bare", "-b", "main", bare);
  const seed = path.join(tmp, `${name}-seed`);
  git(tmp, "clone", "-q", bare, seed);
  fs.mkdirSync(path.join(seed, "mesh", "bookinfo"), { recursive: true });
  fs.writeFileSync(path.join(seed, "README.md"), "ours\n");
  fs.writeFileSync(path.join(seed, "mesh", "bookinfo", "keep-me.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-me\n");
  git(seed, "add", "-A");
  git(seed, "commit", "-q", "-m", "seed");
  git(seed, "push", "-q", "origin", "HEAD:main");
  return bare;
}

const author = { name: "Ada Operator", email: "ada@example.com" };
const log = (bare: string) => git(bare, "log", "--format=%an <%ae> | %cn | %s", "main").split("\n");

describe("exporting to a Git repository", () => {
  it("one commit per change, with the change in its message; none when nothing changed; someone else's files kept", async () => {
    const bare = repo("local");
    const t: TargetSpec = { url: bare, branch: "main", path: "mesh", mode: "commit" };
    const g = new Git(path.join(tmp, "wc-local"), { kind: "none" });
    const p1 = await previewExport(g, t, exportTree(objects(10)));
    expect(p1.changes.map((c) => `${c.change} ${c.path}`)).toEqual(["added bookinfo/destinationrule-reviews.yaml", "added bookinfo/envoyfilter-reviews.bookinfo.ratelimit.yaml", "added bookinfo/kustomization.yaml", "added bookinfo/virtualservice-reviews.yaml", "added kustomization.yaml"]);
    const r1 = await commitExport(g, t, exportTree(objects(10)), { expectedBase: p1.base, author });
    expect(r1.result).toBe("committed");
    expect(log(bare)[0]).toBe("Ada Operator <ada@example.com> | Sextant | 3 objects changed");

    // The same state again: no commit.
    const p2 = await previewExport(g, t, exportTree(objects(10)));
    expect(p2.changes).toEqual([]);
    expect((await commitExport(g, t, exportTree(objects(10)), { expectedBase: p2.base, author })).result).toBe("nothing");
    expect(log(bare)).toHaveLength(2);

    // One weight change: one commit, one file, the change in its words.
    const p3 = await previewExport(g, t, exportTree(objects(0)));
    const r3 = await commitExport(g, t, exportTree(objects(0)), { expectedBase: p3.base, author });
    expect(r3.files).toEqual([{ path: "bookinfo/virtualservice-reviews.yaml", change: "modified" }]);
    expect(log(bare)[0]).toBe("Ada Operator <ada@example.com> | Sextant | reviews: weights v1 10 -> 0, v3 90 -> 100");
    expect(git(bare, "show", "--name-only", "--format=", "main")).toBe("mesh/bookinfo/virtualservice-reviews.yaml");

    // An object no longer generated is removed; someone else's files never are.
    await commitExport(g, t, exportTree(objects(0, false)), { expectedBase: (await previewExport(g, t, exportTree(objects(0, false)))).base, author });
    const files = git(bare, "ls-tree", "-r", "--name-only", "main").split("\n");
    expect(files).toEqual(["README.md", "mesh/bookinfo/destinationrule-reviews.yaml", "mesh/bookinfo/keep-me.yaml", "mesh/bookinfo/kustomization.yaml", "mesh/bookinfo/virtualservice-reviews.yaml", "mesh/kustomization.yaml"]);
  });

  it("refuses to commit over a push that came after the preview, with the new diff", async () => {
    const bare = repo("race");
    const t: TargetSpec = { url: bare, branch: "main", path: "mesh", mode: "commit" };
    const g = new Git(path.join(tmp, "wc-race"), { kind: "none" });
    const preview = await previewExport(g, t, exportTree(objects(10)));
    const other = path.join(tmp, "race-other");
    git(tmp, "clone", "-q", bare, other);
    fs.writeFileSync(path.join(other, "README.md"), "changed by someone\n");
    git(other, "commit", "-qam", "someone else");
    git(other, "push", "-q", "origin", "HEAD:main");
    const head = git(bare, "rev-parse", "main");
    const err = await commitExport(g, t, exportTree(objects(10)), { expectedBase: preview.base, author }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BranchMovedError);
    expect((err as BranchMovedError).preview.base).toBe(head);
    expect(git(bare, "rev-parse", "main")).toBe(head);
    // The working copy is clean for the next try.
    expect(git(path.join(tmp, "wc-race"), "status", "--porcelain")).toBe("");
  });

  it("pull-request mode pushes a branch per change and leaves the target branch alone", async () => {
    const bare = repo("review");
    const t: TargetSpec = { url: bare, branch: "main", path: "mesh", mode: "branch" };
    const g = new Git(path.join(tmp, "wc-review"), { kind: "none" });
    const main = git(bare, "rev-parse", "main");
    const r = await commitExport(g, t, exportTree(objects(10)), { expectedBase: (await previewExport(g, t, exportTree(objects(10)))).base, author });
    expect(r.branch).toBe("sextant/bookinfo-reviews-r3");
    expect(git(bare, "rev-parse", "main")).toBe(main);
    expect(git(bare, "log", "--format=%s", "-1", "sextant/bookinfo-reviews-r3")).toBe("3 objects changed");
  });

  it("over Git's smart HTTP with a token: works with the right one; with a wrong one fails without ever showing it", async () => {
    const root = path.join(tmp, "served");
    fs.mkdirSync(root);
    repo("served/mesh");
    const token = "s3cr3t-t0ken-ABCDEF";
    const server = await startGitHttp(root, token);
    try {
      const t: TargetSpec = { url: `${server.url}/mesh.git`, branch: "main", path: "mesh", mode: "commit" };
      const good = new Git(path.join(tmp, "wc-http"), { kind: "token", secret: token });
      const r = await commitExport(good, t, exportTree(objects(10)), { expectedBase: (await previewExport(good, t, exportTree(objects(10)))).base, author });
      expect(r.result).toBe("committed");
      expect(git(path.join(root, "mesh.git"), "log", "--format=%s", "-1", "main")).toBe("3 objects changed");
      const bad = new Git(path.join(tmp, "wc-http-bad"), { kind: "token", secret: "wr0ng-t0ken-XYZ" });
      const err = await previewExport(bad, { ...t, url: `${server.url.replace("http://", "http://user:wr0ng-t0ken-XYZ@")}/mesh.git` }, exportTree(objects(10))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      const text = `${(err as GitError).message}\n${(err as GitError).stderr}`;
      expect(text).toMatch(/Authentication failed|401|could not read Username/);
      expect(text).not.toContain("wr0ng-t0ken-XYZ");
      expect(text).not.toContain(Buffer.from("x-access-token:wr0ng-t0ken-XYZ").toString("base64"));
      expect(server.requests.some((q) => q.status === 401)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it("a push rejected as non-fast-forward (someone pushed between the fetch and the push) is retried once after a fresh fetch", async () => {
    const bare = repo("nonff");
    const t: TargetSpec = { url: bare, branch: "main", path: "mesh", mode: "commit" };
    const g = new Git(path.join(tmp, "wc-nonff"), { kind: "none" });
    const preview = await previewExport(g, t, exportTree(objects(10)));
    // Just before Sextant's first push, someone else pushes (a real race on a real repository).
    const other = path.join(tmp, "nonff-other");
    git(tmp, "clone", "-q", bare, other);
    const run = g.run.bind(g);
    let raced = false;
    g.run = async (args, opts) => {
      if (args[0] === "push" && !raced) {
        raced = true;
        fs.writeFileSync(path.join(other, "README.md"), "raced\n");
        git(other, "commit", "-qam", "racing push");
        git(other, "push", "-q", "origin", "HEAD:main");
      }
      return run(args, opts);
    };
    const r = await commitExport(g, t, exportTree(objects(10)), { expectedBase: preview.base, author });
    expect(r.result).toBe("committed");
    // Both commits are there: the racing one kept, Sextant's on top of it.
    expect(git(bare, "log", "--format=%s", "-2", "main").split("\n")).toEqual(["3 objects changed", "racing push"]);
    expect(git(bare, "show", "main:README.md")).toBe("raced");
  });
});
