/**
 * TEST DOUBLE support: label and field selectors as the API server parses them
 * (equality `a=b`, `a==b`, `a!=b`; set-based `a in (x,y)`, `a notin (x)`, `a`, `!a`).
 */
type Labels = Record<string, string>;
export type Matcher = (labels: Labels) => boolean;

export class SelectorError extends Error {}

const NAME = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

export function parseLabelSelector(s: string | null): Matcher {
  if (!s) return () => true;
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  const reqs = parts.map((p) => requirement(p.trim()));
  return (labels) => reqs.every((r) => r(labels));
}

function requirement(p: string): Matcher {
  let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
  if (m) {
    const [, k, op, list] = m;
    const values = new Set(list!.split(",").map((v) => v.trim()));
    checkName(k!);
    return op === "in" ? (l) => k! in l && values.has(l[k!]!) : (l) => !(k! in l) || !values.has(l[k!]!);
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(p);
  if (m) {
    const [, k, op, v] = m;
    checkName(k!);
    return op === "!=" ? (l) => l[k!] !== v : (l) => l[k!] === v;
  }
  if (p.startsWith("!") && NAME.test(p.slice(1))) return (l) => !(p.slice(1) in l);
  if (NAME.test(p)) return (l) => p in l;
  // The real parser's wording for the commonest mistake (`app===x`).
  throw new SelectorError(/=/.test(p) ? "unable to parse requirement: found '=', expected: identifier" : `unable to parse requirement: ${p}`);
}

function checkName(k: string): void {
  if (!NAME.test(k)) throw new SelectorError(`unable to parse requirement: invalid label key "${k}"`);
}

/** Field selectors: metadata.name and metadata.namespace everywhere, status.phase and spec.nodeName on pods. */
export function parseFieldSelector(s: string | null, plural: string): (obj: Record<string, unknown>) => boolean {
  if (!s) return () => true;
  const reqs = s.split(",").map((p) => {
    const m = /^([a-zA-Z.]+)\s*(==|=|!=)\s*(.*)$/.exec(p.trim());
    if (!m) throw new SelectorError(`invalid selector: '${p}'; can't understand '${p}'`);
    const [, field, op, value] = m;
    const supported = ["metadata.name", "metadata.namespace", ...(plural === "pods" ? ["status.phase", "spec.nodeName"] : [])];
    if (!supported.includes(field!)) throw new SelectorError(`field label not supported: ${field}`);
    const get = (o: Record<string, unknown>) => field!.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o) ?? "";
    return (o: Record<string, unknown>) => (op === "!=" ? get(o) !== value : get(o) === value);
  });
  return (o) => reqs.every((r) => r(o));
}
