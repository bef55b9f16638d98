/**
 * The graph's find/highlight language, e.g. `error>5`, `rps>=10 ns=default`,
 * `name=reviews or health=failure`, `protocol=grpc p95>100`.
 * Terms side by side (or joined by "and") must all hold; "or" separates
 * alternatives. A bare word finds nodes whose name contains it.
 * Parsed into a predicate over the data of a node or an edge; errors say what
 * and where.
 */
export interface Findable {
  kind: "node" | "edge";
  name: string;
  namespace?: string;
  app?: string;
  version?: string;
  workload?: string;
  service?: string;
  nodeKind?: string;
  health?: string;
  protocol?: string;
  rps?: number;
  error?: number;
  http5xx?: number;
  http4xx?: number;
  grpcError?: number;
  p50?: number | null;
  p95?: number | null;
  p99?: number | null;
  percent?: number;
  idle?: boolean;
}

type Op = "=" | "!=" | ">" | ">=" | "<" | "<=";
const FIELDS: Record<string, { key: keyof Findable; numeric: boolean }> = {
  name: { key: "name", numeric: false },
  ns: { key: "namespace", numeric: false },
  namespace: { key: "namespace", numeric: false },
  app: { key: "app", numeric: false },
  version: { key: "version", numeric: false },
  workload: { key: "workload", numeric: false },
  service: { key: "service", numeric: false },
  kind: { key: "nodeKind", numeric: false },
  health: { key: "health", numeric: false },
  protocol: { key: "protocol", numeric: false },
  rps: { key: "rps", numeric: true },
  error: { key: "error", numeric: true },
  "5xx": { key: "http5xx", numeric: true },
  "4xx": { key: "http4xx", numeric: true },
  grpcerr: { key: "grpcError", numeric: true },
  p50: { key: "p50", numeric: true },
  p95: { key: "p95", numeric: true },
  p99: { key: "p99", numeric: true },
  percent: { key: "percent", numeric: true },
};

export type FindResult = { ok: true; test: (f: Findable) => boolean; empty: boolean } | { ok: false; error: string };

const TERM = /^([a-z0-9]+)\s*(>=|<=|!=|=|>|<)\s*(.+)$/i;

export function parseFind(input: string): FindResult {
  const text = input.trim();
  if (text === "") return { ok: true, test: () => true, empty: true };
  const alternatives = text.split(/\s+(?:or|\|\|)\s+/i);
  const compiled: ((f: Findable) => boolean)[][] = [];
  let offset = 0;
  for (const alt of alternatives) {
    const terms: ((f: Findable) => boolean)[] = [];
    // Allow spaces around operators: "rps > 10" is one term.
    const normalized = alt.replace(/\s*(>=|<=|!=|=|>|<)\s*/g, "$1");
    for (const raw of normalized.split(/\s+(?:and\s+|&&\s+)?|,\s*/i).filter((t) => t && !/^(and|&&)$/i.test(t))) {
      const at = input.indexOf(raw.split(/[<>=!]/)[0]!, offset) + 1;
      const m = TERM.exec(raw);
      if (!m) {
        if (/[<>=!]/.test(raw)) return { ok: false, error: `cannot read "${raw}" (column ${at}): expected field, operator, value` };
        const word = raw.toLowerCase();
        terms.push((f) => f.name.toLowerCase().includes(word));
        continue;
      }
      const [, fieldName, op, rawValue] = m as unknown as [string, string, Op, string];
      const field = FIELDS[fieldName.toLowerCase()];
      if (!field) return { ok: false, error: `unknown field "${fieldName}" (column ${at}); known: ${Object.keys(FIELDS).join(", ")}` };
      if (field.numeric) {
        const value = Number(rawValue.replace(/(ms|%|rps)$/i, ""));
        if (!Number.isFinite(value)) return { ok: false, error: `"${fieldName}" needs a number, got "${rawValue}" (column ${at})` };
        terms.push((f) => {
          const v = f[field.key];
          return typeof v === "number" && compare(v, op, value);
        });
      } else {
        if ([">", ">=", "<", "<="].includes(op)) return { ok: false, error: `"${fieldName}" compares text: use = or != (column ${at})` };
        const value = rawValue.toLowerCase();
        terms.push((f) => {
          const v = String(f[field.key] ?? "").toLowerCase();
          const hit = field.key === "name" ? v.includes(value) : v === value;
          return op === "!=" ? !hit : hit;
        });
      }
    }
    offset += alt.length;
    compiled.push(terms);
  }
  return { ok: true, empty: false, test: (f) => compiled.some((terms) => terms.every((t) => t(f))) };
}

function compare(v: number, op: Op, x: number): boolean {
  switch (op) {
    case "=": return v === x;
    case "!=": return v !== x;
    case ">": return v > x;
    case ">=": return v >= x;
    case "<": return v < x;
    case "<=": return v <= x;
  }
}
