import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { validateAgainstCrd } from "../translate/crd";
import { parseSmartLimiterYaml } from "./schema";

const dir = path.join(import.meta.dirname, "testdata");
export const EXAMPLES = fs
  .readdirSync(dir)
  .filter((f) => /^\d+-[a-z-]+\.yaml$/.test(f))
  .sort();

const base = (descriptor: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  YAML.stringify({
    apiVersion: "microservice.slime.io/v1alpha2",
    kind: "SmartLimiter",
    metadata: { name: "reviews", namespace: "default" },
    spec: { sets: { _base: { descriptor: [{ action: { fill_interval: { seconds: 60 }, quota: "100", strategy: "single" }, condition: "true", target: { port: 9080 }, ...descriptor }] } }, ...spec },
  });
const problems = (text: string) => {
  const r = parseSmartLimiterYaml(text);
  return "problems" in r ? r.problems : [];
};

describe("SmartLimiter import", () => {
  it("accepts every example of Slime's documentation, and each is valid against Slime's CRD", () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(10);
    for (const f of EXAMPLES) {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      expect(problems(text), f).toEqual([]);
      expect(validateAgainstCrd(YAML.parse(text)), f).toEqual([]);
    }
  });

  it("rejects an unknown strategy, naming the field", () => {
    expect(problems(base({ action: { fill_interval: { seconds: 60 }, quota: "1", strategy: "burst" } }))).toEqual([{ path: "spec.sets._base.descriptor[0].action.strategy", message: "must be one of single, average, global" }]);
  });

  it("rejects a bad template in quota or condition with the expression and position", () => {
    const p = problems(base({ action: { fill_interval: { seconds: 60 }, quota: "100/{{._base.pod", strategy: "single" }, condition: "{{._base.cpu.sum}} >> 1" }));
    expect(p.map((x) => x.path)).toEqual(["spec.sets._base.descriptor[0].action.quota", "spec.sets._base.descriptor[0].condition"]);
    expect(p[0]!.message).toMatch(/^quota "100\/\{\{\._base\.pod" at position 5: '\{\{' is not closed/);
    expect(p[1]!.message).toMatch(/position 21: expected a number/);
  });

  it("rejects variables of sets that are not declared", () => {
    const p = problems(base({ condition: "{{.v9.rt99}} > 100" }));
    expect(p).toEqual([{ path: "spec.sets._base.descriptor[0].condition", message: expect.stringContaining('refers to set "v9", which is not in spec.sets') }]);
  });

  it("rejects wrong types, with paths", () => {
    const p = problems(base({ action: { fill_interval: { seconds: "sixty" }, quota: 100, strategy: "single" }, target: { port: "http" } }));
    expect(p.map((x) => x.path).sort()).toEqual(["spec.sets._base.descriptor[0].action.fill_interval.seconds", "spec.sets._base.descriptor[0].action.quota", "spec.sets._base.descriptor[0].target.port"]);
  });

  it("rejects a descriptor with no target (and none on the spec)", () => {
    expect(problems(base({ target: undefined }))).toEqual([{ path: "spec.sets._base.descriptor[0].target", message: "required (or set spec.target): the port, routes or hosts to limit" }]);
    expect(problems(base({ target: undefined }, { target: { port: 9080 } }))).toEqual([]);
    expect(problems(base({ target: { direction: "outbound" } }))[0]!.message).toBe("an outbound target needs route or host");
  });

  it("allows only 1, 60, 3600 or 86400 seconds for the global strategy", () => {
    for (const seconds of [1, 60, 3600, 86400]) expect(problems(base({ action: { fill_interval: { seconds }, quota: "10", strategy: "global" } })), String(seconds)).toEqual([]);
    for (const fi of [{ seconds: 30 }, { seconds: 120 }, { seconds: 60, nanos: 5 }, {}]) {
      const p = problems(base({ action: { fill_interval: fi, quota: "10", strategy: "global" } }));
      expect(p, JSON.stringify(fi)).toEqual([{ path: "spec.sets._base.descriptor[0].action.fill_interval.seconds", message: expect.stringContaining("the global strategy needs 1, 60, 3600 or 86400 seconds") }]);
    }
    expect(problems(base({ action: { fill_interval: { nanos: 10_000_000 }, quota: "10", strategy: "single" } }))[0]!.message).toMatch(/at least 50ms/);
  });

  it("checks matches: one kind each, a name, and what Envoy cannot do", () => {
    const m = (match: unknown[]) => problems(base({ match }));
    expect(m([{ name: "foo", exact_match: "bar" }])).toEqual([]);
    expect(m([{ name: "foo", regex_match: "^b.*", invert_match: true }])).toEqual([]);
    expect(m([{ name: "foo", present_match: true }])).toEqual([]);
    expect(m([{ name: "foo", matchSource: "QueryMatch", suffix_match: "x" }])).toEqual([]);
    expect(m([{ matchSource: "SourceIpMatch", exact_match: "10.0.0.5" }])).toEqual([]);
    expect(m([{ name: "foo", exact_match: "a", prefix_match: "b" }])[0]!.message).toBe("only one of exact_match, prefix_match may be set");
    expect(m([{ name: "foo" }])[0]!.message).toMatch(/^needs one of exact_match/);
    expect(m([{ exact_match: "a" }])).toEqual([{ path: "spec.sets._base.descriptor[0].match[0].name", message: "required: the header to match" }]);
    expect(m([{ name: "foo", regex_match: "(" }])[0]!.message).toBe("is not a valid regular expression");
    expect(m([{ name: "foo", matchSource: "QueryMatch", exact_match: "a", invert_match: true }])[0]!.path).toBe("spec.sets._base.descriptor[0].match[0].invert_match");
    expect(m([{ name: "foo", matchSource: "JsonBodyMatch", exact_match: "a" }])[0]!.message).toMatch(/JsonBodyMatch needs Slime's own Envoy plugin/);
    expect(m([{ name: "foo", exact_match: "a", ignoreCase: true }])[0]!.message).toMatch(/Unrecognized key/);
  });

  it("requires a workload selector for a gateway; a route entry Slime would skip is skipped with a note", () => {
    expect(problems(base({ target: { direction: "outbound", route: ["a.test.com:80/r1"] } }, { gateway: true }))).toEqual([{ path: "spec.workloadSelector", message: "required for a gateway: the labels of the gateway's pods" }]);
    // A route that is not <virtual host>/<route name>: Slime accepts the limiter and skips the entry; so does Sextant, saying so.
    const skipped = parseSmartLimiterYaml(base({ target: { direction: "outbound", route: ["a.test.com:80"] } }, { gateway: true, workloadSelector: { gw: "x" } }));
    expect("limiter" in skipped && skipped.notes).toEqual(['spec.sets._base.descriptor[0].target.route entry "a.test.com:80" is not <virtual host>/<route name> and is skipped, as Slime skips it']);
  });

  it("reports YAML syntax errors with line and column, and refuses several documents", () => {
    expect(problems("apiVersion: [unclosed\nkind: x")[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(problems(`${base({})}---\n${base({})}`)).toEqual([{ path: "yaml", message: "holds 2 documents; import one SmartLimiter at a time" }]);
    expect(problems("")).toEqual([{ path: "yaml", message: "is empty" }]);
    expect(problems(base({}).replace("SmartLimiter", "EnvoyFilter"))).toEqual([{ path: "kind", message: "must be SmartLimiter" }]);
  });
});
