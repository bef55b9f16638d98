import type { ApiResource } from "./resources";
import type { Obj } from "./store";

/**
 * TEST DOUBLE support: what the real server checks in the built-in types Sextant writes, as the
 * transcripts show it (08: a Pod needs containers; 10: a Lease's times are MicroTime, its
 * duration positive). Decoding comes first (400), validation after (422).
 */

/** Go's metav1.MicroTime layout (RFC3339 with exactly six fractional digits). */
export const MICRO_LAYOUT = "2006-01-02T15:04:05.000000Z07:00";

type Piece = { layout: string; take: (v: string) => number };
const digits = (n: number) => (v: string) => (new RegExp(`^\\d{${n}}`).test(v) ? n : -1);
const literal = (s: string): Piece => ({ layout: s, take: (v) => (v.startsWith(s) ? s.length : -1) });
const PIECES: Piece[] = [
  { layout: "2006", take: digits(4) },
  literal("-"),
  { layout: "01", take: digits(2) },
  literal("-"),
  { layout: "02", take: digits(2) },
  literal("T"),
  { layout: "15", take: digits(2) },
  literal(":"),
  { layout: "04", take: digits(2) },
  literal(":"),
  { layout: "05", take: digits(2) },
  { layout: ".000000", take: (v) => (/^\.\d{6}/.test(v) ? 7 : -1) },
  { layout: "Z07:00", take: (v) => (v.startsWith("Z") ? 1 : /^[+-]\d\d:\d\d/.test(v) ? 6 : -1) },
];

/** Go's time.Parse error for `value` against the MicroTime layout, worded as Go words it; undefined when it parses. */
export function microTimeError(value: unknown): string | undefined {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  let rest = text;
  for (const p of PIECES) {
    const n = p.take(rest);
    if (n < 0) return `parsing time "${text}" as "${MICRO_LAYOUT}": cannot parse "${rest}" as "${p.layout}"`;
    rest = rest.slice(n);
  }
  return rest ? `parsing time "${text}": extra text: "${rest}"` : undefined;
}

const LEASE_TIMES = ["acquireTime", "renewTime"] as const;

/** A decoding failure (the server answers 400 "cannot be handled as a <Kind>"), or undefined. */
export function decodeError(r: ApiResource, version: string, obj: Obj): string | undefined {
  if (r.plural !== "leases") return undefined;
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  for (const f of LEASE_TIMES) {
    if (spec[f] === undefined || spec[f] === null) continue;
    const err = microTimeError(spec[f]);
    if (err) return `${r.kind} in version "${version}" cannot be handled as a ${r.kind}: ${err}`;
  }
  return undefined;
}

/** Validation of the built-in types the double checks (422 causes). */
export function builtinCauses(r: ApiResource, obj: Obj): { field: string; message: string; reason: string }[] {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  if (r.plural === "pods" && !(spec.containers as unknown[] | undefined)?.length) return [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers" }];
  if (r.plural === "leases") {
    const d = spec.leaseDurationSeconds;
    if (typeof d === "number" && d <= 0) return [{ reason: "FieldValueInvalid", message: `Invalid value: ${d}: must be greater than 0`, field: "spec.leaseDurationSeconds" }];
    const t = spec.leaseTransitions;
    if (typeof t === "number" && t < 0) return [{ reason: "FieldValueInvalid", message: `Invalid value: ${t}: must be greater than or equal to 0`, field: "spec.leaseTransitions" }];
  }
  return [];
}
