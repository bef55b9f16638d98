import { ExpressionError, type Node, evaluate, parseExpression, variables } from "./expr";
import { BASE_SET, type Descriptor, type SmartLimiter, type Strategy } from "./schema";

/**
 * One evaluation of a SmartLimiter against metric values: per descriptor, its
 * condition, its quota and what that becomes in Envoy (a token bucket for the
 * local strategies, a per-unit limit for the global one). Pure.
 *
 * Strategies: `single` is the quota per pod; `average` shares the quota
 * among the set's pods (divided by their count, unless the quota expression
 * already divides by {{.<set>.pod}}, as Slime's examples do); `global` is one
 * quota for all pods together, counted by the rate limit service.
 *
 * Decimals are kept: a token bucket holds whole tokens, so a fractional quota
 * becomes an equivalent whole one over a longer interval (2.5 per 60s -> 5 per
 * 120s; 0.5 per 60s -> 1 per 120s) instead of being truncated as Slime does.
 */
export interface TokenBucket {
  max_tokens: number;
  tokens_per_fill: number;
  /** Seconds, possibly fractional (written as a protobuf JSON duration, e.g. "60s"). */
  fill_interval: number;
}

export interface GlobalLimit {
  requests_per_unit: number;
  unit: "SECOND" | "MINUTE" | "HOUR" | "DAY";
}

export interface DescriptorResult {
  set: string;
  index: number;
  /** The descriptor value Envoy sees: Service[<name>.<namespace>]-Id[<stable hash>]. */
  id: string;
  strategy: Strategy;
  /** null when it could not be evaluated (see error). */
  condition: boolean | null;
  /** The quota as evaluated (per pod for single/average; in total for global). */
  quota: number | null;
  bucket?: TokenBucket;
  global?: GlobalLimit;
  note?: string;
  error?: string;
  /** True when this descriptor is in force: condition true and a usable quota. */
  active: boolean;
}

export interface Evaluation {
  at: string;
  /** Every metric value the limiter's expressions read, plus each set's pod count ("_base.pod"). */
  metrics: Record<string, number>;
  descriptors: DescriptorResult[];
}

/** FNV-1a, 32 bits: a short stable id for a descriptor. */
export function fnv32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys sorted: the same descriptor always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/** Stable across evaluations: the declared descriptor (not its current quota) and where it lives. */
export function descriptorId(l: SmartLimiter, set: string, d: Descriptor): string {
  // Limiters are re-evaluated every cycle: the id is computed once per descriptor object.
  const owner = `${l.metadata.namespace}/${l.metadata.name}/${set}`;
  const hit = idCache.get(d);
  if (hit?.owner === owner) return hit.id;
  const id = `Service[${l.metadata.name}.${l.metadata.namespace}]-Id[${fnv32(canonicalJson({ namespace: l.metadata.namespace, name: l.metadata.name, set, descriptor: d }))}]`;
  idCache.set(d, { owner, id });
  return id;
}
const idCache = new WeakMap<Descriptor, { owner: string; id: string }>();

/** Parsed expressions and the variables they read, kept by source text (bounded). */
const parsed = new Map<string, { ast: Node; vars: string[] }>();
function parsedExpression(src: string): { ast: Node; vars: string[] } {
  let p = parsed.get(src);
  if (!p) {
    const ast = parseExpression(src);
    p = { ast, vars: variables(ast) };
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(src, p);
  }
  return p;
}

/** The metric variables a limiter reads, and each declared set's pod count. */
export function limiterVariables(l: SmartLimiter): string[] {
  const out = new Set<string>([`${BASE_SET}.pod`, ...Object.keys(l.spec.sets).map((s) => `${s}.pod`)]);
  for (const { descriptor } of Object.values(l.spec.sets)) {
    for (const d of descriptor) {
      for (const src of [d.action.quota, d.condition ?? "true"]) {
        try {
          for (const v of parsedExpression(src).vars) out.add(v);
        } catch {
          /* reported by evaluateLimiter */
        }
      }
    }
  }
  return [...out].sort();
}

const seconds = (fi: Descriptor["action"]["fill_interval"]) => (fi.seconds ?? 0) + (fi.nanos ?? 0) / 1e9;
const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A quota per interval as whole tokens (see the module comment). */
export function tokenBucket(quota: number, intervalSeconds: number): { bucket: TokenBucket; note?: string } {
  if (Number.isInteger(quota)) return { bucket: { max_tokens: quota, tokens_per_fill: quota, fill_interval: intervalSeconds } };
  if (quota < 1) {
    const interval = round(intervalSeconds / quota, 3);
    return { bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: interval }, note: `${round(quota)} per ${intervalSeconds}s is 1 per ${interval}s` };
  }
  for (let k = 2; k <= 10; k++) {
    const t = quota * k;
    if (Math.abs(t - Math.round(t)) < 1e-6) return { bucket: { max_tokens: Math.round(t), tokens_per_fill: Math.round(t), fill_interval: intervalSeconds * k }, note: `${round(quota)} per ${intervalSeconds}s is ${Math.round(t)} per ${intervalSeconds * k}s` };
  }
  const whole = Math.floor(quota);
  return { bucket: { max_tokens: whole, tokens_per_fill: whole, fill_interval: intervalSeconds }, note: `${round(quota)} per ${intervalSeconds}s rounded down to ${whole}` };
}

const UNITS: [number, GlobalLimit["unit"]][] = [
  [1, "SECOND"],
  [60, "MINUTE"],
  [3600, "HOUR"],
  [86400, "DAY"],
];

/** A quota per 1/60/3600/86400 s for the rate limit service, which counts whole requests per unit. */
export function globalLimit(quota: number, intervalSeconds: number): { global: GlobalLimit; note?: string } {
  let i = UNITS.findIndex(([s]) => s === intervalSeconds);
  let q = quota;
  // A fraction per second is a whole number per minute (or hour, or day) more often than not.
  while (!Number.isInteger(round(q)) && i < UNITS.length - 1) {
    q = (q * UNITS[i + 1]![0]) / UNITS[i]![0];
    i++;
  }
  const whole = Math.floor(round(q));
  const unit = UNITS[i]![1];
  const note = q !== quota ? `${round(quota)} per ${intervalSeconds}s is ${whole} per ${unit.toLowerCase()}` : !Number.isInteger(round(q)) ? `${round(q)} rounded down to ${whole}` : undefined;
  return { global: { requests_per_unit: whole, unit }, ...(note ? { note } : {}) };
}

export function evaluateLimiter(l: SmartLimiter, metrics: Record<string, number>, at: Date = new Date()): Evaluation {
  const descriptors: DescriptorResult[] = [];
  for (const set of Object.keys(l.spec.sets).sort()) {
    for (const [index, d] of l.spec.sets[set]!.descriptor.entries()) {
      const strategy = d.action.strategy;
      const r: DescriptorResult = { set, index, id: descriptorId(l, set, d), strategy, condition: null, quota: null, active: false };
      descriptors.push(r);
      try {
        const cond = d.condition ?? "true";
        const c = evaluate(cond, parsedExpression(cond).ast, metrics);
        if (typeof c !== "boolean") throw new ExpressionError(cond, 1, `a condition must be true or false, got the number ${c}`);
        r.condition = c;
        const quotaExpr = parsedExpression(d.action.quota);
        const q = evaluate(d.action.quota, quotaExpr.ast, metrics);
        if (typeof q !== "number") throw new ExpressionError(d.action.quota, 1, `a quota must be a number, got ${q}`);
        let quota = q;
        if (strategy === "average" && !quotaExpr.vars.includes(`${set}.pod`)) {
          const pods = metrics[`${set}.pod`] ?? 0;
          if (pods <= 0) throw new Error(`the average strategy shares the quota among the pods of set ${set}, and it has none`);
          quota = q / pods;
        }
        r.quota = round(quota);
        if (!(quota > 0) || !Number.isFinite(quota)) throw new Error(`quota ${JSON.stringify(d.action.quota)} is ${round(quota)}; a limit needs more than 0 requests per interval (to stop limiting, make the condition false)`);
        const interval = seconds(d.action.fill_interval);
        if (strategy === "global") {
          const g = globalLimit(quota, interval);
          r.global = g.global;
          if (g.note) r.note = g.note;
        } else {
          const b = tokenBucket(quota, interval);
          r.bucket = b.bucket;
          if (b.note) r.note = b.note;
        }
        r.active = r.condition;
      } catch (e) {
        // A quota that cannot be computed while the condition is false is not in force anyway.
        if (r.condition !== false) r.error = e instanceof Error ? e.message : String(e);
      }
    }
  }
  return { at: at.toISOString(), metrics, descriptors };
}
