import { type Path, changedPaths, deepEqual, deleteAt, fromFieldsV1, getAt, key, leafPaths, setAt, text, toFieldsV1, unkey } from "./fields";
import { type Obj, nowSeconds } from "./store";

/**
 * TEST DOUBLE support: server-side apply and Update ownership over managedFields, with the
 * outcomes the transcripts show (06, 07): conflicts with other managers unless forced, equal
 * values shared without conflict, fields this manager stopped applying removed unless another
 * manager owns them, a true no-op when nothing changes (same resourceVersion and time).
 */
interface Entry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  paths: Map<string, Path>;
}

export interface Conflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  field: string;
}

function entries(obj: Obj | undefined): Entry[] {
  const mf = (obj?.metadata.managedFields as Record<string, unknown>[] | undefined) ?? [];
  return mf.map((m) => ({
    manager: m.manager as string,
    operation: m.operation as "Apply" | "Update",
    apiVersion: m.apiVersion as string,
    ...(m.time ? { time: m.time as string } : {}),
    paths: new Map(fromFieldsV1((m.fieldsV1 as Record<string, unknown>) ?? {}).map((p) => [key(p), p])),
  }));
}

function write(obj: Obj, list: Entry[]): void {
  // The real server's order: operation (Apply before Update), then time (none first), then manager.
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const kept = list.filter((e) => e.paths.size > 0).sort((a, b) => cmp(a.operation, b.operation) || cmp(a.time ?? "", b.time ?? "") || cmp(a.manager, b.manager));
  if (kept.length === 0) delete obj.metadata.managedFields;
  else
    obj.metadata.managedFields = kept.map((e) => ({
      apiVersion: e.apiVersion,
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(e.paths.values()),
      manager: e.manager,
      operation: e.operation,
      ...(e.time ? { time: e.time } : {}),
    }));
}

export type ApplyOutcome = { ok: true; obj: Obj; changed: boolean; specChanged: boolean } | { ok: false; conflicts: Conflict[] };

/** Server-side apply of `applied` by `manager` onto `live` (undefined: a create). */
export function serverSideApply(live: Obj | undefined, applied: Obj, manager: string, force: boolean): ApplyOutcome {
  const base: Obj = live ? structuredClone(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: applied.metadata.name, ...(applied.metadata.namespace ? { namespace: applied.metadata.namespace } : {}) } };
  const list = entries(live);
  const mine = new Map(leafPaths(applied).map((p) => [key(p), p]));
  const conflicts: Conflict[] = [];
  for (const e of list) {
    if (e.manager === manager && e.operation === "Apply") continue;
    for (const [k, p] of e.paths) {
      if (!mine.has(k)) continue;
      if (deepEqual(getAt(base, p), getAt(applied, p))) continue;
      if (force) e.paths.delete(k);
      else conflicts.push({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, field: text(p) });
    }
  }
  if (conflicts.length > 0) return { ok: false, conflicts };
  const own = list.find((e) => e.manager === manager && e.operation === "Apply");
  const next = structuredClone(base);
  for (const [k, p] of own?.paths ?? []) {
    if (mine.has(k)) continue;
    if (list.some((e) => e !== own && e.paths.has(k))) continue;
    deleteAt(next, p);
  }
  for (const p of mine.values()) setAt(next, p, getAt(applied, p));
  const specChanged = !deepEqual(strip(base), strip(next));
  const entry: Entry = own ?? { manager, operation: "Apply", apiVersion: applied.apiVersion as string, paths: new Map() };
  const ownershipChanged = !own || own.paths.size !== mine.size || [...mine.keys()].some((k) => !own.paths.has(k));
  entry.paths = mine;
  const objectChanged = specChanged || !deepEqual(base.metadata.labels, next.metadata.labels) || !deepEqual(base.metadata.annotations, next.metadata.annotations);
  const changed = objectChanged || ownershipChanged || force;
  // A manager that only applied values already there gets an entry without a time (transcript 06).
  if (objectChanged || !live) entry.time = nowSeconds();
  if (!own) list.push(entry);
  write(next, list);
  if (next.metadata.labels && Object.keys(next.metadata.labels).length === 0) delete next.metadata.labels;
  return { ok: true, obj: next, changed: changed || !live, specChanged };
}

/** An Update (PUT, merge-patch) by `manager`: it takes the fields it changed from every other manager. */
/** `structs`: top-level fields that are Go value structs (a built-in type's spec), never owned as maps themselves. */
export function recordUpdate(before: Obj | undefined, after: Obj, manager: string, structs: string[] = []): void {
  const list = entries(before);
  const changed = changedPaths((before ?? { metadata: {} }) as Obj, after, structs);
  if (changed.length === 0) {
    write(after, list);
    return;
  }
  const ks = new Set(changed.map(key));
  for (const e of list) for (const k of ks) e.paths.delete(k);
  let entry = list.find((e) => e.manager === manager && e.operation === "Update");
  if (!entry) list.push((entry = { manager, operation: "Update", apiVersion: after.apiVersion as string, paths: new Map() }));
  for (const k of ks) entry.paths.set(k, unkey(k));
  entry.time = nowSeconds();
  write(after, list);
}

/** The Status message of a refused apply, worded as the real server words it. */
export function conflictMessage(conflicts: Conflict[]): string {
  const who = (c: Conflict) => `"${c.manager}"${c.operation === "Update" ? ` using ${c.apiVersion}` : ""}`;
  const managers = [...new Set(conflicts.map(who))];
  const n = conflicts.length;
  if (n === 1) return `Apply failed with 1 conflict: conflict with ${who(conflicts[0]!)}: ${conflicts[0]!.field}`;
  return `Apply failed with ${n} conflicts: ${managers.map((m) => `conflicts with ${m}:\n${conflicts.filter((c) => who(c) === m).map((c) => `- ${c.field}`).join("\n")}`).join("\n")}`;
}

/** Everything but metadata and status: what `generation` counts changes of. */
export function strip(o: Obj): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}
