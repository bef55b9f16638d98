import { z } from "zod";

/**
 * Input schemas shared by every route, so a number or a revision means the
 * same thing everywhere. Strict: a query parameter is a plain decimal
 * ("0x1", "1e0", " 1", "1.0" are refused, never read as 1), and every
 * integer fits the database's int4 column (at most 2^31-1).
 */
export const INT4_MAX = 2 ** 31 - 1;

/** A whole number in a JSON body, within [min, max]. */
export function bodyInt(min: number, max = INT4_MAX, what = "a whole number") {
  return z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be ${what} from ${min} to ${max}`)
    .max(max, `must be ${what} from ${min} to ${max}`);
}

/** A whole number in a query string or path: decimal digits only, within [min, max]. */
export function queryInt(min: number, max = INT4_MAX, what = "a whole number") {
  return z
    .string({ error: "must be given once, as a number" })
    .regex(/^(0|[1-9][0-9]{0,15})$/, `must be ${what} written in decimal digits`)
    .transform(Number)
    .pipe(z.number().min(min, `must be ${what} from ${min} to ${max}`).max(max, `must be ${what} from ${min} to ${max}`));
}

/** The revision a write is based on, in a JSON body: 0 for a new object. */
export const bodyRevision = bodyInt(0, INT4_MAX, "0 (new) or a revision number");

/**
 * A string that PostgreSQL can store and a person can read: no NUL
 * characters and no lone UTF-16 surrogates. Returns the problem, if any.
 */
export function badText(s: string): string | undefined {
  if (s.includes("\u0000")) return "must not contain NUL characters";
  // A lone surrogate is not a character: it cannot be encoded as UTF-8.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) return "must be valid Unicode (it holds a lone surrogate)";
  return undefined;
}

/** Every string (keys included) in a parsed JSON value that badText refuses, with its path. */
export function badTextIn(value: unknown, path: string, out: { path: string; message: string }[] = [], depth = 0): { path: string; message: string }[] {
  if (out.length >= 20 || depth > 64) return out;
  if (typeof value === "string") {
    const m = badText(value);
    if (m) out.push({ path, message: m });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => badTextIn(v, `${path}[${i}]`, out, depth + 1));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const m = badText(k);
      if (m) out.push({ path: `${path}.${JSON.stringify(k)}`, message: `key ${m}` });
      badTextIn(v, `${path}.${k}`, out, depth + 1);
    }
  }
  return out;
}
