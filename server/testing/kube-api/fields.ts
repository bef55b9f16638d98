/**
 * TEST DOUBLE support: field ownership for server-side apply as the real API server's
 * structured-merge-diff keeps it, reduced to what Istio's CRDs and Sextant need:
 *  - maps are owned key by key (granular), recursively;
 *  - lists are atomic (Istio's CRDs declare no list-type, so the real server owns them whole:
 *    `f:http: {}`); this double treats every list so, which is wrong for built-in types with
 *    list-map keys (Pod containers, Service ports) — Sextant never applies those.
 *  - scalars and empty maps are leaves.
 * A field path is a list of map keys; its text form is `.spec.trafficPolicy.loadBalancer.simple`.
 */
export type Path = string[];
type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

/** The leaf paths of an applied object (metadata: only labels and annotations, as SSA owns them). */
export function leafPaths(obj: Json): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, at: Path) => {
    if (isMap(v) && Object.keys(v).length > 0) for (const k of Object.keys(v)) walk(v[k], [...at, k]);
    else out.push(at);
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind" || k === "status") continue;
    if (k === "metadata") {
      const md = isMap(v) ? v : {};
      for (const m of ["labels", "annotations"]) if (isMap(md[m])) for (const [lk, lv] of Object.entries(md[m] as Json)) walk(lv, ["metadata", m, lk]);
      continue;
    }
    walk(v, [k]);
  }
  return out;
}

export const key = (p: Path) => JSON.stringify(p);
export const unkey = (k: string) => JSON.parse(k) as Path;
export const text = (p: Path) => p.map((s) => `.${s}`).join("");

export function getAt(obj: unknown, p: Path): unknown {
  let v = obj;
  for (const s of p) {
    if (!isMap(v)) return undefined;
    v = v[s];
  }
  return v;
}

export function setAt(obj: Json, p: Path, value: unknown): void {
  let v = obj;
  for (const s of p.slice(0, -1)) {
    if (!isMap(v[s])) v[s] = {};
    v = v[s] as Json;
  }
  v[p[p.length - 1]!] = structuredClone(value);
}

/** Removes a field and any map it leaves empty on the way up (as the real server prunes). */
export function deleteAt(obj: Json, p: Path): void {
  const chain: Json[] = [obj];
  for (const s of p.slice(0, -1)) {
    const next = chain[chain.length - 1]![s];
    if (!isMap(next)) return;
    chain.push(next);
  }
  delete chain[chain.length - 1]![p[p.length - 1]!];
  for (let i = chain.length - 1; i > 0; i--) {
    if (Object.keys(chain[i]!).length > 0) break;
    delete chain[i - 1]![p[i - 1]!];
  }
}

/** The last element of a path that marks a map itself as owned (fieldsV1's `".": {}`). */
export const SELF = "\u0000.";

/** fieldsV1 as the server writes it: nested `f:<key>` maps, keys sorted, leaves `{}`, owned maps `".": {}`. */
export function toFieldsV1(paths: Iterable<Path>): Json {
  const root: Json = {};
  for (const p of paths) {
    let v = root;
    for (const s of p) v = (v[s === SELF ? "." : `f:${s}`] ??= {}) as Json;
  }
  const sort = (m: Json): Json => Object.fromEntries(Object.keys(m).sort().map((k) => [k, sort(m[k] as Json)]));
  return sort(root);
}

export function fromFieldsV1(f: Json): Path[] {
  const out: Path[] = [];
  const walk = (m: Json, at: Path) => {
    const keys = Object.keys(m).filter((k) => k.startsWith("f:"));
    if (keys.length === 0 && at.length > 0 && !("." in m)) out.push(at);
    if ("." in m) out.push([...at, SELF]);
    for (const k of keys) walk(m[k] as Json, [...at, k.slice(2)]);
  };
  walk(f, []);
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Leaf paths whose value differs between two objects (for Update operations' ownership), and
 * the maps an Update creates, which it owns as maps too (`".": {}`).
 */
export function changedPaths(before: Json, after: Json, structs: string[] = []): Path[] {
  const a = new Map(leafPaths(before).map((p) => [key(p), p]));
  const b = new Map(leafPaths(after).map((p) => [key(p), p]));
  const out: Path[] = [];
  const maps = new Set<string>();
  for (const [k, p] of b) {
    if (a.has(k) && deepEqual(getAt(before, p), getAt(after, p))) continue;
    out.push(p);
    for (let i = 1; i < p.length; i++) {
      const m = p.slice(0, i);
      if ((m[0] === "metadata" || structs.includes(m[0] as string)) && i < 2) continue;
      if (getAt(before, m) === undefined && !maps.has(key(m))) {
        maps.add(key(m));
        out.push([...m, SELF]);
      }
    }
  }
  return out;
}
