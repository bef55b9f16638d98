import { describe, expect, it } from "vitest";
import { type IntentDraft, intentDraftSchema } from "./schemas";
import { CODES, type ServiceFacts, validateIntent } from "./validate";

const reviews: ServiceFacts = { namespace: "default", name: "reviews", subsets: ["v1", "v2", "v3"], protocols: ["GRPC"] };
const intent = (kind: string, spec: unknown, target = "reviews"): IntentDraft => intentDraftSchema.parse({ kind, namespace: "default", target, spec });
/** Findings about the intent itself (the proxyless gRPC ones, SX3xx, have their own test). */
const codes = (i: IntentDraft, others: IntentDraft[] = [], svc: ServiceFacts | undefined = reviews) =>
  validateIntent(i, svc, others)
    .filter((x) => !x.code.startsWith("SX3"))
    .map((x) => [x.code, x.severity, x.path]);
const jason = { headers: { "end-user": { exact: "jason" } } };

describe("intent validation codes", () => {
  it("accepts a good traffic shift", () => {
    expect(codes(intent("traffic-shift", { weights: [{ subset: "v1", weight: 20 }, { subset: "v2", weight: 30 }, { subset: "v3", weight: 50 }] }))).toEqual([]);
  });
  it("SX101 service not found", () => {
    expect(validateIntent(intent("load-balancer", { simple: "RANDOM" }, "nope"), undefined, []).map((x) => [x.code, x.severity, x.path])).toEqual([["SX101", "error", "target"]]);
  });
  it("SX102 subset not found, naming the existing ones", () => {
    const f = validateIntent(intent("traffic-shift", { weights: [{ subset: "v9", weight: 100 }] }), reviews, []);
    expect(f).toEqual([{ code: "SX102", severity: "error", path: "spec.weights[0].subset", message: 'subset not found: "v9" is not a version of reviews (its subsets: v1, v2, v3)' }]);
  });
  it("SX103 weights must sum to 100 (60/60)", () => {
    expect(codes(intent("traffic-shift", { weights: [{ subset: "v1", weight: 60 }, { subset: "v2", weight: 60 }] }))).toEqual([["SX103", "error", "spec.weights"]]);
  });
  it("SX104 subset listed twice", () => {
    expect(codes(intent("traffic-shift", { weights: [{ subset: "v1", weight: 50 }, { subset: "v1", weight: 50 }] }))).toEqual([["SX104", "error", "spec.weights[1].subset"]]);
  });
  it("SX105 TCP shifting needs a TCP port", () => {
    expect(codes(intent("traffic-shift", { protocol: "tcp", weights: [{ subset: "v1", weight: 100 }] }))).toEqual([["SX105", "error", "spec.protocol"]]);
    expect(codes(intent("traffic-shift", { protocol: "tcp", weights: [{ subset: "v1", weight: 100 }] }), [], { ...reviews, protocols: ["TCP"] })).toEqual([]);
  });
  it("a fault match equal to a routing rule's match is combined, not a conflict", () => {
    const routing = intent("request-routing", { rules: [{ match: [jason], route: [{ subset: "v2", weight: 100 }] }] });
    const fault = intent("fault-injection", { match: [jason], abort: { httpStatus: 500, percentage: 100 } });
    expect(codes(fault, [routing])).toEqual([]);
    expect(codes(routing, [fault])).toEqual([]);
  });
  it("SX207 a fault match and a rule's match overlap inexpressibly", () => {
    const routing = intent("request-routing", { rules: [{ match: [{ headers: { "end-user": { regex: "j.*" } } }], route: [{ subset: "v2", weight: 100 }] }] });
    const fault = intent("fault-injection", { match: [{ headers: { "end-user": { prefix: "ja" } } }], abort: { httpStatus: 500, percentage: 100 } });
    expect(codes(fault, [routing])).toEqual([["SX207", "warning", "spec.match[0]"]]);
    expect(codes(routing, [fault])).toEqual([["SX207", "warning", "spec.rules[0].match[0]"]]);
    // Disjoint (exact ann vs exact jason) or nested (exact jason inside prefix ja): no finding.
    expect(codes(intent("fault-injection", { match: [{ headers: { "end-user": { exact: "ann" } } }], abort: { httpStatus: 500, percentage: 1 } }), [routing])).toEqual([]);
  });
  it("SX208 a regex JavaScript accepts and RE2 refuses (Envoy would reject the whole route configuration)", () => {
    const r = (regex: string) => intent("request-routing", { rules: [{ match: [{ uri: { regex } }, { headers: { "x-v": { regex } } }], route: [{ subset: "v2", weight: 100 }] }] });
    expect(codes(r("^(?!/admin).*"))).toEqual([
      ["SX208", "error", "spec.rules[0].match[0].uri.regex"],
      ["SX208", "error", "spec.rules[0].match[1].headers.x-v.regex"],
    ]);
    expect(codes(r("a{1001}")).map((c) => c[0])).toEqual(["SX208", "SX208"]);
    expect(codes(r("a{1000}|/api/v[0-9]+"))).toEqual([]);
    expect(validateIntent(intent("fault-injection", { match: [{ headers: { "end-user": { regex: "(a)\\1" } } }], abort: { httpStatus: 500, percentage: 1 } }), reviews, [])[0]!.message).toContain("invalid escape sequence");
  });
  it("SX209 a regex RE2 compiles to a program larger than Envoy accepts under Istio's bootstrap (32768)", () => {
    const r = (regex: string) => intent("request-routing", { rules: [{ match: [{ uri: { regex } }], route: [{ subset: "v2", weight: 100 }] }] });
    // \pL{27} compiles to 32,215 instructions, \pL{28} to 33,408 (RE2 20220601, Unicode 15).
    expect(codes(r("\\pL{27}"))).toEqual([]);
    const big = validateIntent(r("\\pL{28}"), reviews, []);
    expect(big.map((x) => [x.code, x.severity, x.path])).toEqual([["SX209", "error", "spec.rules[0].match[0].uri.regex"]]);
    expect(big[0]!.message).toContain("33408 instructions");
    // RE2 itself gives up on larger ones (its own memory budget): that is SX208.
    expect(codes(r("\\pL{1000}"))).toEqual([["SX208", "error", "spec.rules[0].match[0].uri.regex"]]);
  });
  it("SX3xx: what proxyless gRPC cannot honour is a warning naming the clients affected", () => {
    const svc = { ...reviews, proxylessClients: ["productpage-v1-abc"] };
    const one = (i: IntentDraft) => validateIntent(i, svc, []).map((x) => [x.code, x.path]);
    expect(one(intent("load-balancer", { simple: "LEAST_REQUEST" }))).toEqual([["SX301", "spec.simple"]]);
    expect(one(intent("load-balancer", { simple: "ROUND_ROBIN" }))).toEqual([]);
    expect(one(intent("load-balancer", { consistentHash: { httpCookie: { name: "user" } } }))).toEqual([["SX302", "spec.consistentHash"]]);
    expect(one(intent("load-balancer", { consistentHash: { httpHeaderName: "x-user" } }))).toEqual([]);
    expect(one(intent("request-routing", { rules: [{ match: [{ queryParams: { a: { exact: "1" } } }, { method: { exact: "GET" } }], route: [{ subset: "v2", weight: 100 }] }] }))).toEqual([
      ["SX303", "spec.rules[0].match[0].queryParams"],
      ["SX304", "spec.rules[0].match[1].method"],
    ]);
    expect(one(intent("mirroring", { subset: "v2", percentage: 10 }))).toEqual([["SX305", "spec"]]);
    expect(one(intent("timeouts-retries", { retries: { attempts: 7, perTryTimeout: "1s", retryOn: ["5xx", "retriable-4xx", "unavailable"] } }))).toEqual([
      ["SX306", "spec.retries.perTryTimeout"],
      ["SX307", "spec.retries.retryOn"],
    ]);
    expect(one(intent("timeouts-retries", { retries: { attempts: 3, retryOn: ["unavailable"] } }))).toEqual([]);
    expect(one(intent("circuit-breaking", { connectionPool: { tcp: { maxConnections: 5 }, http: { http2MaxRequests: 10 } }, outlierDetection: { consecutive5xxErrors: 3 } }))).toEqual([
      ["SX308", "spec.outlierDetection.consecutive5xxErrors"],
      ["SX309", "spec.connectionPool"],
    ]);
    const [lc] = validateIntent(intent("load-balancer", { simple: "RANDOM" }), svc, []);
    expect(lc!.severity).toBe("warning");
    expect(lc!.message).toContain("productpage-v1-abc");
    expect(validateIntent(intent("load-balancer", { simple: "RANDOM" }), reviews, [])[0]!.message).toContain("no proxyless gRPC client of reviews is connected now");
  });
  it("SX202 a repeated match can never match", () => {
    const r = intent("request-routing", { rules: [{ match: [jason], route: [{ subset: "v2", weight: 100 }] }, { match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v3", weight: 100 }] }] });
    expect(codes(r)).toEqual([["SX202", "error", "spec.rules[1].match[0]"]]);
  });
  it("SX203 rules after a match-everything rule are flagged", () => {
    const r = intent("request-routing", { rules: [{ match: [{ uri: { prefix: "/" } }], route: [{ subset: "v2", weight: 100 }] }, { match: [jason], route: [{ subset: "v3", weight: 100 }] }] });
    expect(codes(r)).toEqual([["SX203", "warning", "spec.rules[1]"]]);
  });
  it("SX204 a 0% fault does nothing", () => {
    expect(codes(intent("fault-injection", { delay: { fixedDelay: "1s", percentage: 0 } }))).toEqual([["SX204", "warning", "spec.delay.percentage"]]);
  });
  it("SX205 retries that cannot fit in the timeout", () => {
    expect(codes(intent("timeouts-retries", { timeout: "1s", retries: { attempts: 3, perTryTimeout: "500ms" } }))).toEqual([["SX205", "warning", "spec.retries"]]);
    expect(codes(intent("timeouts-retries", { timeout: "3s", retries: { attempts: 3, perTryTimeout: "500ms" } }))).toEqual([]);
  });
  it("SX206 mirroring to the subset that gets everything", () => {
    expect(codes(intent("mirroring", { subset: "v1", percentage: 10 }), [intent("traffic-shift", { weights: [{ subset: "v1", weight: 100 }] })])).toEqual([["SX206", "warning", "spec.subset"]]);
  });
  it("has every code documented", async () => {
    const doc = (await import("node:fs")).readFileSync("docs/VALIDATION.md", "utf8");
    for (const code of Object.keys(CODES)) expect(doc, code).toContain(code);
  });
});

describe("intent schemas reject bad input with field paths", () => {
  const problems = (x: unknown) => {
    const r = intentDraftSchema.safeParse(x);
    return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
  };
  it.each([
    [{ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 50.5 }] } }, "spec.weights.0.weight"],
    [{ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: "50" }] } }, "spec.weights.0.weight"],
    [{ kind: "timeouts-retries", namespace: "default", target: "reviews", spec: { timeout: "-1s" } }, "spec.timeout"],
    [{ kind: "request-routing", namespace: "default", target: "reviews", spec: { rules: [{ match: [{ uri: { regex: "(" } }], route: [{ subset: "v1", weight: 100 }] }] } }, "spec.rules.0.match.0.uri.regex"],
    [{ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [], extra: 1 } }, "spec"],
    [{ kind: "teleport", namespace: "default", target: "reviews", spec: {} }, "kind"],
  ])("%j -> %s", (input, path) => {
    expect(problems(input)).toContain(path);
  });
});
