/**
 * Exporting a 1,000-service mesh to Git: 1,000 traffic-shift intents -> 2,000 objects (a
 * VirtualService and a DestinationRule each) in 20 namespaces, laid out and committed to a
 * local bare repository with the git command line: the first export (every file), then an
 * incremental one after one weight change (one file), then one with nothing changed.
 * Run: npx tsx bench/gitops/run.ts
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { commitExport, previewExport } from "../../server/gitops/exporter";
import { Git } from "../../server/gitops/git";
import { type ExportObject, exportTree } from "../../server/gitops/layout";
import { serviceTargets } from "../../server/intents/service";
import { translateAll } from "../../server/translate/translate";
import { recordResult } from "../lib/results";
import { syntheticMesh } from "../xds/mesh";

const { mesh, intents } = syntheticMesh(1000);
const objectsFor = (v1: number): ExportObject[] => translateAll(serviceTargets(mesh), intents(v1)).map((o) => ({ object: o as never, source: "intent traffic-shift r1" }));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-bench-git-"));
const bare = path.join(tmp, "mesh.git");
execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
const git = new Git(path.join(tmp, "wc"), { kind: "none" });
const target = { url: bare, branch: "main", path: "mesh", mode: "commit" as const };
const author = { name: "Bench", email: "bench@example.com" };

async function exportOnce(v1: number) {
  const t0 = performance.now();
  const tree = exportTree(objectsFor(v1));
  const layoutMs = performance.now() - t0;
  const preview = await previewExport(git, target, tree);
  const previewMs = performance.now() - t0;
  const r = await commitExport(git, target, tree, { expectedBase: preview.base, author });
  return { files: tree.size, changed: preview.changes.length, result: r.result, layoutMs, previewMs, totalMs: performance.now() - t0 };
}

const first = await exportOnce(50);
const incremental = await exportOnce(40);
const none = await exportOnce(40);
const commits = execFileSync("git", ["rev-list", "--count", "main"], { cwd: bare, encoding: "utf8" }).trim();
console.log({ first, incremental, none, commits });
fs.rmSync(tmp, { recursive: true, force: true });
const row = (what: string, r: typeof first) => `| ${what} | ${r.changed} of ${r.files} files | ${r.result} | ${r.layoutMs.toFixed(0)} ms | ${r.previewMs.toFixed(0)} ms | ${r.totalMs.toFixed(0)} ms |`;
recordResult("GitOps export", [
  "Command: `npx tsx bench/gitops/run.ts`. A 1,000-service mesh (20 namespaces) with a traffic-shift intent each: 2,000 objects (VirtualService + DestinationRule), laid out as files with kustomizations and exported to a local bare repository with the git command line: sync the working copy (fetch, reset), diff the files under the path, write, commit, push. Layout = objects to file bytes; preview = layout + sync + per-file diff; total = preview + commit + push (the export an operator confirms).",
  "",
  "| export | files changed | result | layout | preview | total |",
  "|---|---|---|---|---|---|",
  row("first (empty repository)", first),
  row("after one weight change", incremental),
  row("nothing changed", none),
  "",
  `Commits on the branch after the three exports: ${commits}.`,
]);
process.exit(0);
