import { PROXYLESS_CODES, proxylessGaps } from "./proxyless";
import { programSizeProblem, re2Problem } from "./re2";
import { combineMatches, matchKey } from "./routes";
import { type IntentDraft, type RequestMatch, type SpecOf, durationMs } from "./schemas";

/**
 * Checks of an intent against the mesh and the other intents on its host,
 * after its shape has passed the schema. Each finding has a code (listed in
 * docs/VALIDATION.md, as Kiali lists its KIA codes), a severity, the path of
 * the field it is about, and a message. Errors block storing; warnings are
 * shown but do not block. Pure.
 */
export type Severity = "error" | "warning";

export interface Finding {
  code: string;
  severity: Severity;
  path: string;
  message: string;
}

export interface ServiceFacts {
  namespace: string;
  name: string;
  subsets: string[];
  /** Port protocols of the service (HTTP, GRPC, TCP, ...). */
  protocols: string[];
  /** Proxyless gRPC clients of the service connected now (pod or node names), for SX3xx findings. */
  proxylessClients?: string[];
}

export const CODES = {
  SX101: "service not found",
  SX102: "subset not found",
  SX103: "weights must sum to 100",
  SX104: "subset listed twice",
  SX105: "TCP traffic shifting on a service without a TCP port",
  SX202: "a rule repeats an earlier rule's match and can never match",
  SX203: "a rule follows a rule that matches every request and can never match",
  SX204: "fault injection with 0% of requests does nothing",
  SX205: "retries cannot all happen within the timeout",
  SX206: "mirroring to a subset that already receives all the traffic",
  SX207: "a fault's match and a routing rule's match overlap in a way no single match can express",
  SX208: "regular expression not accepted by RE2, the engine Envoy and gRPC use",
  SX209: "regular expression whose RE2 program is larger than Envoy accepts",
  ...PROXYLESS_CODES,
} as const;

type Code = keyof typeof CODES;
const f = (code: Code, severity: Severity, path: string, detail?: string): Finding => ({ code, severity, path, message: detail ? `${CODES[code]}: ${detail}` : CODES[code] });

export function validateIntent(intent: IntentDraft, service: ServiceFacts | undefined, others: IntentDraft[]): Finding[] {
  if (!service) return [f("SX101", "error", "target", `there is no service ${intent.namespace}/${intent.target} in the mesh`)];
  const out: Finding[] = [];
  const known = new Set(service.subsets);
  const subsetExists = (subset: string, path: string) => {
    if (!known.has(subset)) out.push(f("SX102", "error", path, `"${subset}" is not a version of ${service.name} (its subsets: ${service.subsets.join(", ") || "none"})`));
  };
  const weights = (ws: { subset: string; weight: number }[], path: string) => {
    ws.forEach((w, i) => subsetExists(w.subset, `${path}[${i}].subset`));
    const seen = new Set<string>();
    ws.forEach((w, i) => {
      if (seen.has(w.subset)) out.push(f("SX104", "error", `${path}[${i}].subset`, `"${w.subset}"`));
      seen.add(w.subset);
    });
    const sum = ws.reduce((a, w) => a + w.weight, 0);
    if (sum !== 100) out.push(f("SX103", "error", path, `they sum to ${sum}`));
  };

  switch (intent.kind) {
    case "traffic-shift": {
      weights(intent.spec.weights, "spec.weights");
      if (intent.spec.protocol === "tcp" && !service.protocols.some((p) => ["TCP", "MONGO", "MYSQL", "REDIS", "TLS"].includes(p))) {
        out.push(f("SX105", "error", "spec.protocol", `${service.name}'s ports are ${service.protocols.join(", ") || "none"}`));
      }
      break;
    }
    case "request-routing": {
      const seen: string[] = [];
      intent.spec.rules.forEach((rule, i) => {
        weights(rule.route, `spec.rules[${i}].route`);
        rule.match.forEach((m, j) => {
          const key = matchKey(m);
          const first = seen.indexOf(key);
          if (first >= 0) out.push(f("SX202", "error", `spec.rules[${i}].match[${j}]`, `the same match appears earlier in this intent`));
          seen.push(key);
        });
        const catchAll = rule.match.findIndex(matchesEverything);
        if (catchAll >= 0 && i < intent.spec.rules.length - 1) {
          out.push(f("SX203", "warning", `spec.rules[${i + 1}]`, `rule ${i} matches every request (match[${catchAll}])`));
        }
      });
      const fault = others.find((o) => o.kind === "fault-injection") as Extract<IntentDraft, { kind: "fault-injection" }> | undefined;
      conflictsWithFault(intent.spec, fault?.spec, out, "routing");
      break;
    }
    case "fault-injection": {
      if (intent.spec.delay && intent.spec.delay.percentage === 0) out.push(f("SX204", "warning", "spec.delay.percentage"));
      if (intent.spec.abort && intent.spec.abort.percentage === 0) out.push(f("SX204", "warning", "spec.abort.percentage"));
      const routing = others.find((o) => o.kind === "request-routing") as Extract<IntentDraft, { kind: "request-routing" }> | undefined;
      if (routing) conflictsWithFault(routing.spec, intent.spec, out, "fault");
      break;
    }
    case "timeouts-retries": {
      const r = intent.spec.retries;
      if (intent.spec.timeout && r?.perTryTimeout && r.attempts > 0) {
        const needed = durationMs(r.perTryTimeout) * (r.attempts + 1);
        if (needed > durationMs(intent.spec.timeout)) {
          out.push(f("SX205", "warning", "spec.retries", `${r.attempts + 1} tries of ${r.perTryTimeout} take up to ${needed} ms, longer than the ${intent.spec.timeout} timeout`));
        }
      }
      break;
    }
    case "mirroring": {
      subsetExists(intent.spec.subset, "spec.subset");
      const shift = others.find((o) => o.kind === "traffic-shift") as Extract<IntentDraft, { kind: "traffic-shift" }> | undefined;
      const only = shift?.spec.weights.filter((w) => w.weight > 0);
      if (only?.length === 1 && only[0]!.subset === intent.spec.subset) out.push(f("SX206", "warning", "spec.subset", `"${intent.spec.subset}" already receives 100%`));
      break;
    }
    case "circuit-breaking":
    case "load-balancer":
      break;
  }
  for (const [path, regex] of regexes(intent)) {
    const problem = re2Problem(regex);
    if (problem) out.push(f("SX208", "error", path, `${problem} (JavaScript may accept it; Envoy would reject the whole route configuration)`));
    const tooLarge = problem ? undefined : programSizeProblem(regex);
    if (tooLarge) out.push(f("SX209", "error", path, `${tooLarge}; Envoy would reject the whole route configuration`));
  }
  const clients = service.proxylessClients ?? [];
  const who = clients.length ? `affects the proxyless gRPC clients of ${service.name}: ${clients.join(", ")}` : `no proxyless gRPC client of ${service.name} is connected now`;
  for (const g of proxylessGaps(intent)) out.push(f(g.code, "warning", g.path, `${g.detail} (${who}; Envoy sidecars get it in full)`));
  return out;
}

/**
 * A fault's match and a rule's match are combined into one route (see
 * routes.ts); where they overlap but no single match expresses both (two
 * different regexes on one header, say), requests matching both get the fault
 * on the default route instead of the rule's destination.
 */
function conflictsWithFault(routing: SpecOf<"request-routing">, fault: SpecOf<"fault-injection"> | undefined, out: Finding[], from: "routing" | "fault") {
  if (!fault?.match) return;
  routing.rules.forEach((rule, i) =>
    rule.match.forEach((m, j) =>
      fault.match!.forEach((fm, k) => {
        if (combineMatches(fm, m) !== "inexpressible") return;
        const path = from === "routing" ? `spec.rules[${i}].match[${j}]` : `spec.match[${k}]`;
        out.push(f("SX207", "warning", path, `requests matching both fault match[${k}] and rule ${i}'s match[${j}] get the fault but go to the default route, not rule ${i}'s subsets`));
      }),
    ),
  );
}

export { matchKey };

function matchesEverything(m: RequestMatch): boolean {
  const keys = Object.keys(m).filter((k) => m[k as keyof RequestMatch] !== undefined);
  return keys.length === 1 && !!m.uri && "prefix" in m.uri && m.uri.prefix === "/";
}

/** Every regular expression in an intent's matches, with its field path. */
function regexes(intent: IntentDraft): [string, string][] {
  const out: [string, string][] = [];
  const match = (m: RequestMatch, path: string) => {
    for (const [field, v] of [["uri", m.uri], ["method", m.method]] as const) if (v && "regex" in v) out.push([`${path}.${field}.regex`, v.regex]);
    for (const group of ["headers", "queryParams"] as const) for (const [k, v] of Object.entries(m[group] ?? {})) if ("regex" in v) out.push([`${path}.${group}.${k}.regex`, v.regex]);
  };
  if (intent.kind === "request-routing") intent.spec.rules.forEach((r, i) => r.match.forEach((m, j) => match(m, `spec.rules[${i}].match[${j}]`)));
  if (intent.kind === "fault-injection") intent.spec.match?.forEach((m, j) => match(m, `spec.match[${j}]`));
  return out;
}
