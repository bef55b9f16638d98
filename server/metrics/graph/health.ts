import { z } from "zod";
import type { HealthStatus } from "./types";

/**
 * Request health as Kiali computes it: for each tolerance, the share of
 * requests whose code matches (for a matching protocol) against a "degraded"
 * and a "failure" threshold in percent. Kiali's defaults: 5xx > 0% degraded,
 * >= 10% failure; 4xx >= 10% degraded, >= 20% failure; gRPC non-OK like 5xx.
 * A threshold of 0 means "any" (strictly above 0). Overrides per namespace and
 * name come from configuration (SEXTANT_HEALTH_CONFIG), first match wins.
 * https://kiali.io/docs/configuration/health/
 */
export const toleranceSchema = z.strictObject({
  code: z.string().refine(validRegex, "must be a valid regular expression"),
  protocol: z.string().refine(validRegex, "must be a valid regular expression").default("http|grpc"),
  degraded: z.number().min(0).max(100),
  failure: z.number().min(0).max(100),
});

export const healthRuleSchema = z.strictObject({
  namespace: z.string().refine(validRegex, "must be a valid regular expression").default(".*"),
  kind: z.string().refine(validRegex, "must be a valid regular expression").default(".*"),
  name: z.string().refine(validRegex, "must be a valid regular expression").default(".*"),
  tolerance: z.array(toleranceSchema).min(1),
});

export const healthConfigSchema = z.array(healthRuleSchema);
export type Tolerance = z.infer<typeof toleranceSchema>;
export type HealthRule = z.infer<typeof healthRuleSchema>;

export const DEFAULT_TOLERANCES: Tolerance[] = [
  { code: "^4\\d\\d$", protocol: "http", degraded: 10, failure: 20 },
  { code: "^5\\d\\d$", protocol: "http", degraded: 0, failure: 10 },
  { code: "^([1-9]|1[0-6])$", protocol: "grpc", degraded: 0, failure: 10 },
];

function validRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

/** A tolerance with its regular expressions compiled once. */
export interface CompiledTolerance extends Tolerance {
  codeRe: RegExp;
  protocolRe: RegExp;
  /** code -> whether codeRe matches it (codes repeat endlessly: test each once). */
  codeMatches: Map<string, boolean>;
}

const compiled = new WeakMap<Tolerance, CompiledTolerance>();
function compile(t: Tolerance): CompiledTolerance {
  let c = compiled.get(t);
  if (!c) compiled.set(t, (c = { ...t, codeRe: new RegExp(t.code), protocolRe: new RegExp(`^(?:${t.protocol})$`), codeMatches: new Map() }));
  return c;
}

/** Picks the tolerances for a subject: the first rule whose namespace, kind and name all match, else Kiali's defaults. */
export function tolerancePicker(rules: HealthRule[]): (subject: { namespace: string; kind: string; name: string }) => CompiledTolerance[] {
  const full = (re: string) => new RegExp(`^(?:${re})$`);
  const matchers = rules.map((r) => ({ ns: full(r.namespace), kind: full(r.kind), name: full(r.name), tolerance: r.tolerance.map(compile) }));
  const defaults = DEFAULT_TOLERANCES.map(compile);
  const memo = new Map<string, CompiledTolerance[]>();
  return (subject) => {
    const key = `${subject.namespace}\u0000${subject.kind}\u0000${subject.name}`;
    let hit = memo.get(key);
    if (!hit) {
      hit = matchers.find((m) => m.ns.test(subject.namespace) && m.kind.test(subject.kind) && m.name.test(subject.name))?.tolerance ?? defaults;
      memo.set(key, hit);
    }
    return hit;
  };
}

export function tolerancesFor(rules: HealthRule[], subject: { namespace: string; kind: string; name: string }): CompiledTolerance[] {
  return tolerancePicker(rules)(subject);
}

/**
 * Requests per second by code: HTTP traffic by HTTP status, gRPC traffic by
 * gRPC status (as Kiali judges gRPC: by grpc-status, not by the HTTP code).
 */
export interface CodeRates {
  http: Map<string, number>;
  grpc: Map<string, number>;
}

export function emptyCodeRates(): CodeRates {
  return { http: new Map(), grpc: new Map() };
}

const rank: Record<HealthStatus, number> = { na: 0, idle: 0, healthy: 1, degraded: 2, failure: 3 };

export function healthOf(rates: CodeRates, tolerances: Tolerance[]): HealthStatus {
  // Hot path (once per node and edge): Map iteration, no allocation.
  let httpTotal = 0;
  let grpcTotal = 0;
  for (const v of rates.http.values()) httpTotal += v;
  for (const v of rates.grpc.values()) grpcTotal += v;
  if (httpTotal + grpcTotal <= 0) return "na";
  let status: HealthStatus = "healthy";
  for (const tol of tolerances) {
    const t = compile(tol);
    for (let p = 0; p < 2; p++) {
      const total = p === 0 ? httpTotal : grpcTotal;
      if (total <= 0 || !t.protocolRe.test(p === 0 ? "http" : "grpc")) continue;
      let matched = 0;
      for (const [code, v] of p === 0 ? rates.http : rates.grpc) {
        let hit = t.codeMatches.get(code);
        if (hit === undefined) t.codeMatches.set(code, (hit = t.codeRe.test(code)));
        if (hit) matched += v;
      }
      const pct = (matched / total) * 100;
      const s: HealthStatus = pct > 0 && pct >= t.failure ? "failure" : pct > 0 && pct >= t.degraded ? "degraded" : "healthy";
      if (rank[s] > rank[status]) status = s;
    }
  }
  return status;
}

export function worst(a: HealthStatus, b: HealthStatus): HealthStatus {
  return rank[b] > rank[a] ? b : a;
}

