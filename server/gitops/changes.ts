import YAML from "yaml";
import { unifiedDiff } from "../diff";
import { MANAGED_BY, SOURCE_ANNOTATION, type Tree } from "./layout";

/**
 * What an export changes in a directory of a repository (pure): files written or removed, each
 * with its diff, and a commit message saying what changed in an operator's words
 * (`reviews: weights v1 10 -> 0, v3 90 -> 100`). Files Sextant did not write are never touched:
 * a file is Sextant's when it is a kustomization Sextant writes or an object labelled
 * managed-by sextant with its source annotation.
 */
export interface FileChange {
  path: string;
  change: "added" | "modified" | "deleted";
  diff: string;
}

export function isSextantFile(relPath: string, text: string): boolean {
  try {
    const doc = YAML.parse(text) as { kind?: string; metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } | null;
    if (relPath.endsWith("kustomization.yaml")) return doc?.kind === "Kustomization" && text.includes("resources:") && !text.includes("patches");
    return doc?.metadata?.labels?.[MANAGED_BY] === "sextant" && typeof doc.metadata.annotations?.[SOURCE_ANNOTATION] === "string";
  } catch {
    return false;
  }
}

/** `current`: the files now under the export's path (relative paths). */
export function changesOf(current: Map<string, string>, tree: Tree): FileChange[] {
  const out: FileChange[] = [];
  for (const [p, text] of tree) {
    const before = current.get(p);
    if (before === text) continue;
    out.push({ path: p, change: before === undefined ? "added" : "modified", diff: unifiedDiff(`a/${p}`, `b/${p}`, before ?? "", text) });
  }
  for (const [p, text] of current) {
    if (tree.has(p) || !isSextantFile(p, text)) continue;
    out.push({ path: p, change: "deleted", diff: unifiedDiff(`a/${p}`, `b/${p}`, text, "") });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

type Obj = { kind?: string; metadata?: { name?: string }; spec?: { http?: { route?: { destination?: { subset?: string; host?: string }; weight?: number }[] }[] } };

function weights(o: Obj | undefined): Map<string, number> {
  const route = o?.spec?.http?.at(-1)?.route ?? [];
  return new Map(route.map((r) => [r.destination?.subset ?? r.destination?.host ?? "?", r.weight ?? (route.length === 1 ? 100 : 0)]));
}

/** One line per changed file, in an operator's words where Sextant knows them. */
export function describe(change: FileChange, before: string | undefined, after: string | undefined): string {
  const parse = (t: string | undefined) => {
    try {
      return t ? (YAML.parse(t) as Obj) : undefined;
    } catch {
      return undefined;
    }
  };
  const a = parse(before);
  const b = parse(after);
  const name = (b ?? a)?.metadata?.name ?? change.path;
  const kind = (b ?? a)?.kind ?? "file";
  if (change.path.endsWith("kustomization.yaml")) return `${change.path}: ${change.change === "added" ? "added" : change.change === "deleted" ? "removed" : "lists updated"}`;
  if (change.change === "added") return `${name}: ${kind} added`;
  if (change.change === "deleted") return `${name}: ${kind} removed`;
  if (kind === "VirtualService") {
    const wa = weights(a);
    const wb = weights(b);
    const moved = [...new Set([...wa.keys(), ...wb.keys()])].sort().filter((s) => (wa.get(s) ?? 0) !== (wb.get(s) ?? 0));
    if (moved.length && JSON.stringify({ ...a?.spec, http: undefined }) === JSON.stringify({ ...b?.spec, http: undefined })) {
      const others = JSON.stringify(a?.spec?.http?.map((h) => ({ ...h, route: undefined }))) === JSON.stringify(b?.spec?.http?.map((h) => ({ ...h, route: undefined })));
      return `${name}: weights ${moved.map((s) => `${s} ${wa.get(s) ?? 0} -> ${wb.get(s) ?? 0}`).join(", ")}${others ? "" : " (and routing rules)"}`;
    }
  }
  return `${name}: ${kind} changed`;
}

export function commitMessage(lines: string[]): string {
  const objects = lines.filter((l) => !l.includes("kustomization.yaml"));
  const subject = objects.length === 1 ? objects[0]! : objects.length ? `${objects.length} objects changed` : "kustomizations updated";
  return lines.length > 1 ? `${subject}\n\n${lines.map((l) => `- ${l}`).join("\n")}\n\nExported by Sextant.` : `${subject}\n\nExported by Sextant.`;
}
