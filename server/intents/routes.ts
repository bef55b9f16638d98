import type { IntentDraft, RequestMatch, SpecOf, StringMatch } from "./schemas";

/**
 * A host's HTTP routes, in the order they are tried (first match wins), from
 * its intents. Pure, and the one place that order is decided: the
 * VirtualService (server/translate) and the xDS routes (server/xds) are both
 * rendered from this plan, so what is previewed is what proxies do.
 *
 *   1. a fault limited to some requests, for the requests a routing rule also
 *      takes: the two matches combined, the fault applied, routed by the rule
 *      (the fault adds to the destination the routing rules choose);
 *   2. the fault's own matches, routed by the default route;
 *   3. the request-routing rules, in their order;
 *   4. the default route: the traffic-shift weights, else the host itself.
 * A fault without a match applies to every route. Where a fault match and a
 * rule's match overlap but cannot be written as one match (two different
 * prefixes of the same header, say), those requests take step 2; validation
 * reports it (SX207).
 */
export interface PlannedRoute {
  /** "fault", a rule's name or "rule-<i>", "<rule>-fault", "default". */
  name: string;
  /** The name the operator gave (a rule's name, "<name>-fault"): what the VirtualService shows. */
  declared?: string;
  /** Alternatives (any of them); absent: every request. */
  match?: RequestMatch[];
  /** Weighted subsets; absent: the host itself. */
  weights?: { subset: string; weight: number }[];
  fault?: SpecOf<"fault-injection">;
}

export type HostSpecs = { [K in IntentDraft["kind"]]?: SpecOf<K> };

export function specsByKind(intents: IntentDraft[]): HostSpecs {
  const out: HostSpecs = {};
  for (const i of intents) (out as Record<string, unknown>)[i.kind] = i.spec;
  return out;
}

export function httpRoutePlan(k: HostSpecs): PlannedRoute[] {
  const shift = k["traffic-shift"];
  const defaultWeights = shift && shift.protocol === "http" ? shift.weights : undefined;
  const fault = k["fault-injection"];
  const rules = k["request-routing"]?.rules ?? [];
  const ruleName = (i: number) => rules[i]!.name ?? `rule-${i}`;
  const out: PlannedRoute[] = [];
  if (fault?.match) {
    rules.forEach((rule, i) => {
      const both = fault.match!.flatMap((fm) => rule.match.map((rm) => combineMatches(fm, rm))).filter((c): c is RequestMatch => typeof c === "object");
      const unique = [...new Map(both.map((m) => [matchKey(m), m])).values()];
      if (unique.length) out.push({ name: `${ruleName(i)}-fault`, ...(rule.name ? { declared: `${rule.name}-fault` } : {}), match: unique, weights: rule.route, fault });
    });
    out.push({ name: "fault", match: fault.match, weights: defaultWeights, fault });
  }
  rules.forEach((rule, i) => out.push({ name: ruleName(i), ...(rule.name ? { declared: rule.name } : {}), match: rule.match, weights: rule.route }));
  out.push({ name: "default", weights: defaultWeights });
  if (fault && !fault.match) for (const r of out) r.fault = fault;
  return out;
}

/**
 * One match that holds exactly when both hold; "disjoint" when no request can
 * match both; "inexpressible" when some can but no single match says so.
 */
export function combineMatches(a: RequestMatch, b: RequestMatch): RequestMatch | "disjoint" | "inexpressible" {
  let result: "disjoint" | "inexpressible" | undefined;
  const one = (x: StringMatch | undefined, y: StringMatch | undefined): StringMatch | undefined => {
    if (!x) return y;
    if (!y || sameString(x, y)) return x;
    const c = intersect(x, y);
    if (c === "disjoint") result = "disjoint";
    else if (c === "inexpressible") result ??= "inexpressible";
    else return c;
    return x;
  };
  const record = (x?: Record<string, StringMatch>, y?: Record<string, StringMatch>) => {
    if (!x && !y) return undefined;
    const keys = [...new Set([...Object.keys(x ?? {}), ...Object.keys(y ?? {})])].sort();
    return Object.fromEntries(keys.map((key) => [key, one(x?.[key], y?.[key])!]));
  };
  const headers = record(a.headers, b.headers);
  const queryParams = record(a.queryParams, b.queryParams);
  const uri = one(a.uri, b.uri);
  const method = one(a.method, b.method);
  if (result) return result;
  return { ...(headers ? { headers } : {}), ...(uri ? { uri } : {}), ...(method ? { method } : {}), ...(queryParams ? { queryParams } : {}) };
}

function sameString(x: StringMatch, y: StringMatch): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}

/** Two conditions on one string: the narrower one when one implies the other. */
function intersect(x: StringMatch, y: StringMatch): StringMatch | "disjoint" | "inexpressible" {
  if ("exact" in x && "exact" in y) return "disjoint"; // not the same (checked before)
  if ("exact" in x && "prefix" in y) return x.exact.startsWith(y.prefix) ? x : "disjoint";
  if ("prefix" in x && "exact" in y) return y.exact.startsWith(x.prefix) ? y : "disjoint";
  if ("prefix" in x && "prefix" in y) return x.prefix.startsWith(y.prefix) ? x : y.prefix.startsWith(x.prefix) ? y : "disjoint";
  if ("exact" in x && "regex" in y) return fullMatch(y.regex, x.exact) ? x : "disjoint";
  if ("regex" in x && "exact" in y) return fullMatch(x.regex, y.exact) ? y : "disjoint";
  return "inexpressible";
}

/** Whether a string match holds for s. */
export function stringMatches(m: StringMatch, s: string): boolean {
  if ("exact" in m) return m.exact === s;
  if ("prefix" in m) return s.startsWith(m.prefix);
  return fullMatch(m.regex, s);
}

function fullMatch(regex: string, s: string): boolean {
  try {
    return new RegExp(`^(?:${regex})$`).test(s);
  } catch {
    return false;
  }
}

export function matchKey(m: RequestMatch): string {
  const sort = (r?: Record<string, unknown>) => (r ? Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]])) : undefined);
  return JSON.stringify({ headers: sort(m.headers), uri: m.uri, method: m.method, queryParams: sort(m.queryParams) });
}
