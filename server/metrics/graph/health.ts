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

export function tolerancesFor(rules: HealthRule[], subject: { namespace: string; kind: string; name: string }): Tolerance[] {
  const full = (re: string) => new RegExp(`^(?:${re})$`);
  const rule = rules.find((r) => full(r.namespace).test(subject.namespace) && full(r.kind).test(subject.kind) && full(r.name).test(subject.name));
  return rule?.tolerance ?? DEFAULT_TOLERANCES;
}

/**
 * Requests per second by code: HTTP traffic by HTTP status, gRPC traffic by
 * gRPC status (as Kiali judges gRPC: by grpc-status, not by the HTTP code).
 */
export interface CodeRates {
  http: Record<string, number>;
  grpc: Record<string, number>;
}

export function emptyCodeRates(): CodeRates {
  return { http: {}, grpc: {} };
}

const rank: Record<HealthStatus, number> = { na: 0, idle: 0, healthy: 1, degraded: 2, failure: 3 };

export function healthOf(rates: CodeRates, tolerances: Tolerance[]): HealthStatus {
  if (sum(rates.http) + sum(rates.grpc) <= 0) return "na";
  let status: HealthStatus = "healthy";
  for (const t of tolerances) {
    const code = new RegExp(t.code);
    const proto = new RegExp(`^(?:${t.protocol})$`);
    for (const protocol of ["http", "grpc"] as const) {
      const codes = rates[protocol];
      const total = sum(codes);
      if (!proto.test(protocol) || total <= 0) continue;
      const pct = (sumWhere(codes, code) / total) * 100;
      const s: HealthStatus = pct > 0 && pct >= t.failure ? "failure" : pct > 0 && pct >= t.degraded ? "degraded" : "healthy";
      if (rank[s] > rank[status]) status = s;
    }
  }
  return status;
}

export function worst(a: HealthStatus, b: HealthStatus): HealthStatus {
  return rank[b] > rank[a] ? b : a;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const sumWhere = (r: Record<string, number>, re: RegExp) => Object.entries(r).reduce((a, [k, v]) => (re.test(k) ? a + v : a), 0);
