import { gunzipSync } from "node:zlib";
import YAML from "yaml";
import { unifiedDiff } from "../diff";
import { sortedKeys, toYamlDocument } from "../translate/yaml";
import { SOURCE_ANNOTATION, type Tree } from "./layout";

/**
 * Import and compare (pure): the objects found in a directory (a target's branch, or an uploaded
 * .tar.gz) against Sextant's export, object by object, wherever the files put them. Objects in
 * Git that Sextant does not generate are listed as such.
 */
export interface ObjectComparison {
  kind: string;
  namespace: string;
  name: string;
  state: "same" | "differs" | "only in Git" | "only in Sextant";
  /** Where it was found in Git. */
  file?: string;
  diff: string;
}

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> } } & Record<string, unknown>;

/** What is compared: the object without its source annotation (revisions move on without the object changing). */
function canonical(o: Obj): string {
  const ann = { ...(o.metadata?.annotations ?? {}) };
  delete ann[SOURCE_ANNOTATION];
  const metadata = { ...o.metadata, ...(Object.keys(ann).length ? { annotations: ann } : {}) };
  if (!Object.keys(ann).length) delete (metadata as { annotations?: unknown }).annotations;
  return toYamlDocument(sortedKeys({ ...o, metadata }));
}

function objectsIn(files: Map<string, string>): Map<string, { o: Obj; file: string }> {
  const out = new Map<string, { o: Obj; file: string }>();
  for (const [file, text] of files) {
    if (!/\.ya?ml$/.test(file) || file.endsWith("kustomization.yaml")) continue;
    for (const doc of YAML.parseAllDocuments(text)) {
      if (doc.errors.length) continue;
      const o = doc.toJS({ maxAliasCount: 100 }) as Obj | null;
      if (!o?.kind || !o.metadata?.name) continue;
      out.set(`${o.kind}/${o.metadata.namespace ?? "default"}/${o.metadata.name}`, { o, file });
    }
  }
  return out;
}

export function compareTrees(git: Map<string, string>, sextant: Tree): ObjectComparison[] {
  const a = objectsIn(git);
  const b = objectsIn(sextant);
  const out: ObjectComparison[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [kind, namespace, name] = key.split("/") as [string, string, string];
    const inGit = a.get(key);
    const ours = b.get(key);
    const before = inGit ? canonical(inGit.o) : "";
    const after = ours ? canonical(ours.o) : "";
    const state = !inGit ? "only in Sextant" : !ours ? "only in Git" : before === after ? "same" : "differs";
    out.push({ kind, namespace, name, state, ...(inGit ? { file: inGit.file } : {}), diff: state === "same" ? "" : unifiedDiff(`git: ${inGit?.file ?? "(none)"}`, "sextant", before, after) });
  }
  return out;
}

/** The files of a .tar.gz (ustar, with GNU long names), as path -> text; at most `maxFiles`, `maxBytes` unpacked. */
export function untarGz(data: Buffer, limits = { maxFiles: 20_000, maxBytes: 64 * 1024 * 1024 }): Map<string, string> {
  let tar: Buffer;
  try {
    tar = gunzipSync(data, { maxOutputLength: limits.maxBytes });
  } catch (e) {
    throw new Error(`not a gzip archive, or larger than ${limits.maxBytes} bytes unpacked: ${e instanceof Error ? e.message : String(e)}`);
  }
  const files = new Map<string, string>();
  let longName: string | undefined;
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const str = (from: number, len: number) => h.subarray(from, from + len).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(str(124, 12).trim() || "0", 8);
    if (!Number.isFinite(size) || size < 0) throw new Error("not a tar archive (bad entry size)");
    const type = String.fromCharCode(h[156]!);
    const body = tar.subarray(at + 512, at + 512 + size);
    const name = longName ?? (str(345, 155) ? `${str(345, 155)}/${str(0, 100)}` : str(0, 100));
    longName = undefined;
    if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
    else if (type === "0" || type === "\0") {
      if (files.size >= limits.maxFiles) throw new Error(`more than ${limits.maxFiles} files`);
      files.set(name.replace(/^\.\//, ""), body.toString("utf8"));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** An archive's files with its common top directory taken off (Sextant's own archives put everything under sextant/). */
export function stripTop(files: Map<string, string>): Map<string, string> {
  const tops = new Set([...files.keys()].map((p) => p.split("/")[0]));
  if (tops.size !== 1 || [...files.keys()].some((p) => !p.includes("/"))) return files;
  return new Map([...files].map(([p, t]) => [p.slice(p.indexOf("/") + 1), t]));
}
