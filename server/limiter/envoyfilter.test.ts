import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { validateAgainstCrd } from "../translate/crd";
import { anyFromProtoJson, messageType } from "../xds/protos";
import { type EnvoyFilterObject, envoyFilters, inboundPolicies, rlsConfigMap, rlsDescriptors } from "./envoyfilter";
import { evaluateLimiter } from "./evaluate";
import { oneLocalFilterPerWorkload } from "./local-filter";
import { type SmartLimiter, parseSmartLimiter, parseSmartLimiterYaml } from "./schema";
import { limiterOf } from "./service";

const dir = path.join(import.meta.dirname, "testdata");
const load = (f: string): SmartLimiter => {
  const r = parseSmartLimiterYaml(fs.readFileSync(path.join(dir, f), "utf8"));
  if ("problems" in r) throw new Error(JSON.stringify(r.problems));
  return r.limiter;
};
const limiter = (spec: Record<string, unknown>, name = "reviews"): SmartLimiter => {
  const r = parseSmartLimiter({ apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name, namespace: "default" }, spec });
  if ("problems" in r) throw new Error(JSON.stringify(r.problems));
  return r.limiter;
};
const place = (app: string, gateway?: Record<string, string>) => ({ selector: gateway ?? { app }, setLabels: { v1: { version: "v1" }, v2: { version: "v2" } } });
const ID = /^Service\[[a-z0-9-]+\.[a-z0-9-]+\]-Id\[\d+\]$/;

/** Every "@type" object in a tree. */
function typedConfigs(x: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(x)) x.forEach((y) => typedConfigs(y, out));
  else if (x && typeof x === "object") {
    if ("@type" in x) out.push(x as Record<string, unknown>);
    else Object.values(x).forEach((y) => typedConfigs(y, out));
  }
  return out;
}

/** Checks what every generated EnvoyFilter must satisfy, and returns it for further checks. */
function checked(efs: EnvoyFilterObject[]): EnvoyFilterObject[] {
  for (const ef of efs) {
    expect(validateAgainstCrd(ef), ef.metadata.name).toEqual([]);
    for (const tc of typedConfigs(ef.spec)) {
      const any = anyFromProtoJson(tc);
      // Decodes as its real Envoy type, and re-encodes to the same bytes.
      const type = messageType(any.type_url);
      expect(Buffer.from(type.encode(type.decode(any.value)).finish()).equals(any.value)).toBe(true);
    }
  }
  return efs;
}

/**
 * Slime's documented output is from an older Slime: old filter names, route
 * patches without a context, descriptor values with -User[none]-, and gogo's
 * JSON for durations ({seconds: "60"}) and wrappers ({value: 10}). Modern
 * Slime (and Istio's protobuf JSON) writes the new names, the context, "60s"
 * and plain numbers; ids may differ. This brings the documented form there.
 */
function modernise(x: unknown, key = ""): unknown {
  if (typeof x === "string") {
    if (/^Service\[/.test(x)) return "<id>";
    return { "envoy.http_connection_manager": "envoy.filters.network.http_connection_manager", "envoy.router": "envoy.filters.http.router" }[x] ?? x;
  }
  if (Array.isArray(x)) return x.map((y) => modernise(y, key));
  if (x && typeof x === "object") {
    const o = x as Record<string, unknown>;
    if (key === "fill_interval" && "seconds" in o) return `${Number(o.seconds)}s`;
    if (key === "tokens_per_fill" && "value" in o) return o.value;
    const out = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, modernise(v, k)]));
    if (out.routeConfiguration && !out.context) out.context = "SIDECAR_INBOUND";
    return out;
  }
  return x;
}

const ids = (x: unknown) => JSON.stringify(x).match(/Service\[[^"]*?\]-Id\[\d+\]/g) ?? [];

describe("SmartLimiter -> EnvoyFilter", () => {
  it("gives Slime's documented EnvoyFilter for the average-per-pod example (productpage, 1 pod)", () => {
    const l = load("09-productpage-average.yaml");
    const [ef, ...more] = checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }), place("productpage")));
    expect(more).toEqual([]);
    const doc = YAML.parse(fs.readFileSync(path.join(dir, "09-productpage-average.envoyfilter.yaml"), "utf8"));
    expect(ef!.metadata.name).toBe(doc.metadata.name);
    expect(ef!.spec.workloadSelector).toEqual(doc.spec.workloadSelector);
    expect(modernise(ef!.spec.configPatches)).toEqual(modernise(doc.spec.configPatches));
    // One descriptor, one id, the same everywhere it appears, in Slime's modern form.
    expect(new Set(ids(ef)).size).toBe(1);
    expect(ids(ef)[0]).toMatch(ID);
  });

  it("gives Slime's documented EnvoyFilter and rate limit service ConfigMap for the global example", () => {
    const l = load("11-productpage-global.yaml");
    const ev = evaluateLimiter(l, { "_base.pod": 1 });
    const [ef] = checked(envoyFilters(l, ev, place("productpage")));
    const doc = YAML.parse(fs.readFileSync(path.join(dir, "11-productpage-global.envoyfilter.yaml"), "utf8"));
    expect(modernise(ef!.spec.configPatches)).toEqual(modernise(doc.spec.configPatches));
    const cm = rlsConfigMap(rlsDescriptors(l, ev));
    const docCm = YAML.parse(fs.readFileSync(path.join(dir, "11-productpage-global.rls-configmap.yaml"), "utf8"));
    expect((cm.metadata as { name: string; namespace: string }).name).toBe(docCm.metadata.name);
    expect((cm.metadata as { namespace: string }).namespace).toBe(docCm.metadata.namespace);
    expect(modernise(YAML.parse((cm.data as Record<string, string>)["config.yaml"]!))).toEqual(modernise(YAML.parse(docCm.data["config.yaml"])));
    expect(ids(cm)).toEqual(ids(ef).slice(0, 1));
  });

  it("keeps descriptor ids stable across evaluations and distinct between descriptors", () => {
    const l = load("04-average-per-pod.yaml");
    const a = envoyFilters(l, evaluateLimiter(l, { "_base.pod": 2 }), place("reviews"));
    const b = envoyFilters(l, evaluateLimiter(l, { "_base.pod": 5 }), place("reviews"));
    expect(ids(a)).toEqual(ids(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b)); // the buckets changed
    const two = limiter({ sets: { _base: { descriptor: [1, 2].map((q) => ({ action: { quota: String(q), fill_interval: { seconds: 60 }, strategy: "single" }, condition: "true", target: { port: 9080 } })) } } });
    expect(new Set(ids(envoyFilters(two, evaluateLimiter(two, { "_base.pod": 1 }), place("reviews")))).size).toBe(2);
  });

  it("divides an average quota among the pods: by the expression (Slime's form) or, without one, by the strategy", () => {
    const per = (l: SmartLimiter, pods: number) => evaluateLimiter(l, { "_base.pod": pods }).descriptors[0]!;
    expect(per(load("04-average-per-pod.yaml"), 4)).toMatchObject({ quota: 25, bucket: { max_tokens: 25, tokens_per_fill: 25, fill_interval: 60 } });
    const plain = limiter({ sets: { _base: { descriptor: [{ action: { quota: "100", fill_interval: { seconds: 60 }, strategy: "average" }, target: { port: 9080 } }] } } });
    expect(per(plain, 4)).toMatchObject({ quota: 25, active: true });
    expect(per(plain, 3)).toMatchObject({ bucket: { max_tokens: 100, tokens_per_fill: 100, fill_interval: 180 }, note: "33.333333 per 60s is 100 per 180s" });
    expect(per(plain, 0)).toMatchObject({ active: false, error: expect.stringContaining("has none") });
    const single = limiter({ sets: { _base: { descriptor: [{ action: { quota: "{{._base.pod}} * 0.25", fill_interval: { seconds: 60 }, strategy: "single" }, target: { port: 9080 } }] } } });
    expect(per(single, 2)).toMatchObject({ quota: 0.5, bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 120 } });
  });

  it("writes no EnvoyFilter for a descriptor whose condition is false", () => {
    const l = limiter({
      sets: {
        _base: { descriptor: [{ action: { quota: "10", fill_interval: { seconds: 60 }, strategy: "single" }, condition: "{{._base.rps}} > 5", target: { port: 9080 } }] },
        v1: { descriptor: [{ action: { quota: "3", fill_interval: { seconds: 1 }, strategy: "single" }, condition: "true", target: { port: 9080 } }] },
      },
    });
    const quiet = checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 2, "v1.pod": 1, "_base.rps": 1 }), place("reviews")));
    expect(quiet.map((e) => e.metadata.name)).toEqual(["reviews.default.v1.ratelimit"]);
    expect(quiet[0]!.spec.workloadSelector.labels).toEqual({ app: "reviews", version: "v1" });
    const busy = checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 2, "v1.pod": 1, "_base.rps": 9.5 }), place("reviews")));
    expect(busy.map((e) => e.metadata.name)).toEqual(["reviews.default.ratelimit", "reviews.default.v1.ratelimit"]);
  });

  it("turns every match kind into Envoy's matchers, and the entries the buckets key on", () => {
    const l = limiter({
      sets: {
        _base: {
          descriptor: [
            {
              action: { quota: "5", fill_interval: { seconds: 60 }, strategy: "single" },
              target: { port: 9080 },
              match: [
                { name: "x-exact", exact_match: "a" },
                { name: "x-prefix", prefix_match: "b" },
                { name: "x-suffix", suffix_match: "c", invert_match: true },
                { name: "x-regex", regex_match: "^d+$" },
                { name: "x-present", present_match: true },
                { name: "x-empty", is_exact_match_empty: true },
                { name: "q", matchSource: "QueryMatch", exact_match: "1" },
                { name: "legacy", useQueryMatch: true, prefix_match: "2" },
                { matchSource: "SourceIpMatch", exact_match: "10.0.0.5" },
              ],
            },
          ],
        },
      },
    });
    const [ef] = checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }), place("reviews")));
    const route = ef!.spec.configPatches[0] as { patch: { value: { route: { rate_limits: { actions: Record<string, { headers?: unknown[]; query_parameters?: unknown[] }>[] }[] } } } };
    const actions = route.patch.value.route.rate_limits[0]!.actions;
    expect(actions.map((a) => Object.keys(a)[0])).toEqual(["query_parameter_value_match", "header_value_match", "remote_address"]);
    expect(actions[0]!.query_parameter_value_match!.query_parameters).toEqual([
      { name: "q", string_match: { exact: "1" } },
      { name: "legacy", string_match: { prefix: "2" } },
    ]);
    expect(actions[1]!.header_value_match!.headers).toEqual([
      { name: "x-exact", string_match: { exact: "a" } },
      { name: "x-prefix", string_match: { prefix: "b" } },
      { name: "x-suffix", string_match: { suffix: "c" }, invert_match: true },
      { name: "x-regex", string_match: { safe_regex: { regex: "^d+$" } } },
      { name: "x-present", present_match: true },
      { name: "x-empty", string_match: { exact: "" } },
    ]);
    const per = ef!.spec.configPatches[2] as { patch: { value: { typed_per_filter_config: Record<string, { value: { descriptors: { entries: { key: string; value: string }[] }[] } }> } } };
    const entries = per.patch.value.typed_per_filter_config["envoy.filters.http.local_ratelimit"]!.value.descriptors[0]!.entries;
    expect(entries.map((e) => e.key)).toEqual(["query_match", "header_match", "remote_address"]);
    expect(entries[2]!.value).toBe("10.0.0.5");
  });

  it("targets inbound ports, outbound routes and hosts, and gateways, each in its context", () => {
    const first = (f: string, pl = place("productpage")) => {
      const l = load(f);
      return checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 2 }), pl))[0]!.spec.configPatches.map((p) => ({ applyTo: p.applyTo, match: p.match }));
    };
    expect(first("01-single-inbound.yaml")[0]).toEqual({ applyTo: "HTTP_ROUTE", match: { context: "SIDECAR_INBOUND", routeConfiguration: { vhost: { name: "inbound|http|9080", route: { name: "default" } } } } });
    expect(first("02-single-outbound-route.yaml")[0]).toEqual({ applyTo: "HTTP_ROUTE", match: { context: "SIDECAR_OUTBOUND", routeConfiguration: { vhost: { name: "reviews.default.svc.cluster.local:80", route: { name: "default" } } } } });
    expect(first("02-single-outbound-route.yaml")[1]!.match).toMatchObject({ context: "SIDECAR_OUTBOUND" });
    const gw = place("", { gw_cluster: "prod-gateway" });
    expect(first("06-gateway-route.yaml", gw)[0]).toEqual({ applyTo: "HTTP_ROUTE", match: { context: "GATEWAY", routeConfiguration: { vhost: { name: "a.test.com:80", route: { name: "r1" } } } } });
    expect(first("07-gateway-host.yaml", gw)).toEqual([
      { applyTo: "VIRTUAL_HOST", match: { context: "GATEWAY", routeConfiguration: { vhost: { name: "b.test.com:80" } } } },
      { applyTo: "HTTP_FILTER", match: { context: "GATEWAY", listener: expect.anything() } },
      { applyTo: "VIRTUAL_HOST", match: { context: "GATEWAY", routeConfiguration: { vhost: { name: "b.test.com:80" } } } },
    ]);
    const g8 = load("08-gateway-global.yaml");
    const ef8 = checked(envoyFilters(g8, evaluateLimiter(g8, { "_base.pod": 1 }), gw))[0]!;
    expect(ef8.spec.workloadSelector.labels).toEqual({ gw_cluster: "prod-gateway" });
    expect(ef8.spec.configPatches.map((p) => [p.applyTo, (p.patch as { value: { name?: string } }).value.name ?? ""])).toEqual([
      ["HTTP_ROUTE", ""],
      ["HTTP_FILTER", "envoy.filters.http.ratelimit"],
    ]);
    const l3 = load("03-header-match.yaml");
    expect(JSON.stringify(checked(envoyFilters(l3, evaluateLimiter(l3, { "_base.pod": 1 }), place("productpage"))))).toContain('"headers":[{"name":"foo","string_match":{"exact":"bar"}}]');
  });

  it("converts global quotas to the rate limit service's units, nesting match descriptors", () => {
    const l = limiter({
      sets: {
        _base: {
          descriptor: [
            { action: { quota: "0.5", fill_interval: { seconds: 1 }, strategy: "global" }, target: { port: 9080 } },
            { action: { quota: "100", fill_interval: { seconds: 3600 }, strategy: "global" }, target: { port: 9080 }, match: [{ name: "user", exact_match: "bot" }, { matchSource: "SourceIpMatch", exact_match: "10.1.1.1" }] },
            { action: { quota: "7", fill_interval: { seconds: 86400 }, strategy: "global" }, target: { port: 9080 }, match: [{ name: "tenant", present_match_separate: true }] },
          ],
        },
      },
    });
    const ev = evaluateLimiter(l, { "_base.pod": 3 });
    expect(ev.descriptors.map((d) => d.global)).toEqual([
      { requests_per_unit: 30, unit: "MINUTE" },
      { requests_per_unit: 100, unit: "HOUR" },
      { requests_per_unit: 7, unit: "DAY" },
    ]);
    const d = rlsDescriptors(l, ev);
    expect(d[1]).toMatchObject({ key: "header_match", descriptors: [{ key: "remote_address", value: "10.1.1.1", rate_limit: { requests_per_unit: 100, unit: "HOUR" } }] });
    expect(d[2]).toMatchObject({ key: "generic_key", descriptors: [{ key: expect.stringMatching(/^RequestHeader\[reviews\.default\]-Id\[\d+\]$/), rate_limit: { requests_per_unit: 7, unit: "DAY" } }] });
    const cm = rlsConfigMap(d);
    expect(YAML.parse((cm.data as Record<string, string>)["config.yaml"]!).descriptors).toHaveLength(3);
    checked(envoyFilters(l, ev, place("reviews")));
  });

  it("gives the same local limits to Sextant's own sidecars, on the inbound port", () => {
    const l = load("01-single-inbound.yaml");
    const ev = evaluateLimiter(l, { "_base.pod": 2 });
    const [p, ...more] = inboundPolicies(l, ev, place("reviews"));
    expect(more).toEqual([]);
    expect(p).toMatchObject({ namespace: "default", selector: { app: "reviews" }, port: 9080 });
    const [ef] = envoyFilters(l, ev, place("reviews"));
    const perRoute = (ef!.spec.configPatches[2] as { patch: { value: { typed_per_filter_config: Record<string, { value: unknown }> } } }).patch.value.typed_per_filter_config["envoy.filters.http.local_ratelimit"]!.value;
    expect(p!.rateLimit.perRoute["envoy.filters.http.local_ratelimit"]!.config).toEqual(perRoute);
    expect(inboundPolicies(load("02-single-outbound-route.yaml"), ev, place("productpage"))).toEqual([]);
  });

  it("writes the same bytes for the same limiter", () => {
    const l = load("11-productpage-global.yaml");
    const a = JSON.stringify(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }, new Date(0)), place("productpage")));
    const b = JSON.stringify(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }, new Date(1)), place("productpage")));
    expect(a).toBe(b);
  });

  it("odd fill intervals and a repeated descriptor give a LocalRateLimit Envoy accepts (issue 11, point 3)", () => {
    // Envoy, source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc: "local rate descriptor
    // limit is not a multiple of token bucket fill timer" and "duplicate descriptor in the local rate descriptor".
    const d = (seconds: number, nanos: number, quota: string) => ({ action: { fill_interval: { seconds, nanos }, quota, strategy: "single" }, condition: "true", target: { port: 9080 } });
    const l = limiter({ sets: { _base: { descriptor: [d(1, 500_000_000, "10"), d(0, 250_000_000, "5"), d(1, 500_000_000, "10")] } } });
    const [ef] = checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }), place("reviews")));
    const config = typedConfigs(ef!.spec).find((t) => String(t.type_url ?? "").endsWith("LocalRateLimit"))!.value as { token_bucket: { fill_interval: string }; descriptors: { entries: unknown; token_bucket: { fill_interval: string } }[] };
    const ms = (x: string) => Math.round(parseFloat(x) * 1000);
    const timer = ms(config.token_bucket.fill_interval);
    expect(timer).toBe(250);
    for (const x of config.descriptors) expect(ms(x.token_bucket.fill_interval) % timer).toBe(0);
    const entries = config.descriptors.map((x) => JSON.stringify(x.entries));
    expect(new Set(entries).size).toBe(entries.length);
    expect(config.descriptors).toHaveLength(2);
  });
});

describe("SmartLimiters as Slime accepts them (issue 13, point 6, first forms)", () => {
  it("camelCase field names as well as snake_case (Slime reads its CRD through protobuf JSON): the same EnvoyFilters", () => {
    const snake = { sets: { _base: { descriptor: [{ action: { fill_interval: { seconds: 60 }, quota: "10", strategy: "single" }, condition: "true", match: [{ name: "user", prefix_match: "test-" }], target: { port: 9080 } }] } } };
    const camelCase = { sets: { _base: { descriptor: [{ action: { fillInterval: { seconds: 60 }, quota: "10", strategy: "single" }, condition: "true", match: [{ name: "user", prefixMatch: "test-" }], target: { port: 9080 } }] } } };
    const ev = (l: SmartLimiter) => envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }, new Date(0)), place("reviews"));
    expect(checked(ev(limiter(camelCase)))).toEqual(ev(limiter(snake)));
    // Set names and labels are keys, not fields: left as written.
    const selector = limiter({ ...camelCase, workloadSelector: { fillInterval: "x" } }).spec.workloadSelector;
    expect(selector).toEqual({ fillInterval: "x" });
    const both = parseSmartLimiter({ apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: "r" }, spec: { sets: { _base: { descriptor: [{ action: { fillInterval: { seconds: 1 }, fill_interval: { seconds: 2 }, quota: "1" }, target: { port: 9080 } }] } } } });
    expect("problems" in both && both.problems[0]).toEqual({ path: "spec.sets._base.descriptor[0].action.fill_interval", message: "given twice (as fillInterval and fill_interval); use one spelling" });
  });

  it('target.route ["/foo"]: the route named foo in any virtual host (no vhost name in the patch)', () => {
    const l = limiter({ sets: { _base: { descriptor: [{ action: { fill_interval: { seconds: 1 }, quota: "5", strategy: "single" }, condition: "true", target: { direction: "outbound", route: ["/foo"] } }] } } });
    const [ef] = checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }), place("reviews")));
    const patches = (ef!.spec as unknown as { configPatches: { applyTo: string; match: { routeConfiguration?: { vhost: Record<string, unknown> } } }[] }).configPatches;
    const route = patches.find((p) => p.applyTo === "HTTP_ROUTE")!;
    expect(route.match.routeConfiguration!.vhost).toEqual({ route: { name: "foo" } });
  });

  it("labels such as istio.io/rev are carried onto the EnvoyFilters (Slime's PatchIstioRevLabel), and kept when stored", () => {
    const r = parseSmartLimiter({ apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: "reviews", namespace: "default", labels: { "istio.io/rev": "1-8-1", team: "a" } }, spec: { sets: { _base: { descriptor: [{ action: { fill_interval: { seconds: 1 }, quota: "5" }, condition: "true", target: { port: 9080 } }] } } } });
    if ("problems" in r) throw new Error(JSON.stringify(r.problems));
    const [ef] = checked(envoyFilters(r.limiter, evaluateLimiter(r.limiter, { "_base.pod": 1 }), place("reviews")));
    // Only the revision label, as Slime: other labels of the limiter stay on the limiter.
    expect(ef!.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "sextant", "istio.io/rev": "1-8-1", "sextant.io/smartlimiter": "reviews" });
    const stored = limiterOf({ namespace: "default", target: "reviews", current: { spec: { ...r.limiter.spec, "sextant.io/metadata-labels": r.limiter.metadata.labels } } });
    expect(stored!.metadata.labels).toEqual({ "istio.io/rev": "1-8-1" });
  });

  it("Slime's first form (microservice.netease.com/v1alpha1, from its announcement) is converted, with notes saying how", () => {
    const announced = `apiVersion: microservice.netease.com/v1alpha1
kind: SmartLimiter
metadata:
  name: a
  namespace: default
spec:
  descriptors:
  - action:
      fill_interval:
        seconds: 1
      quota: "30/{pod}"
    condition: "{cpu}>0.8"
`;
    const r = parseSmartLimiterYaml(announced);
    if ("problems" in r) throw new Error(JSON.stringify(r.problems));
    expect(r.limiter.spec.sets._base!.descriptor[0]).toMatchObject({ action: { quota: "30/{{._base.pod}}", fill_interval: { seconds: 1 } }, condition: "{{._base.cpu.sum}}>0.8", target: { direction: "inbound" } });
    expect(r.notes).toEqual(expect.arrayContaining([
      "converted from Slime's microservice.netease.com/v1alpha1 form to microservice.slime.io/v1alpha2",
      "spec.descriptors became spec.sets._base.descriptor",
      "descriptor[0].action.quota: {pod} became {{._base.pod}}",
      "descriptor[0].condition: {cpu} became {{._base.cpu.sum}}",
    ]));
    // As announced: 30 for the service, split over its 3 pods, when CPU is above 0.8.
    const busy = evaluateLimiter(r.limiter, { "_base.pod": 3, "_base.cpu.sum": 0.9 }).descriptors[0]!;
    expect(busy).toMatchObject({ active: true, quota: 10, bucket: { max_tokens: 10, tokens_per_fill: 10, fill_interval: 1 } });
    expect(evaluateLimiter(r.limiter, { "_base.pod": 3, "_base.cpu.sum": 0.5 }).descriptors[0]!.active).toBe(false);
    const [ef] = checked(envoyFilters(r.limiter, evaluateLimiter(r.limiter, { "_base.pod": 3, "_base.cpu.sum": 0.9 }), place("a")));
    expect(JSON.stringify(ef!.spec)).toContain('"max_tokens":10');
    // The old documentation's "quota + unit" form.
    const unit = parseSmartLimiter({ apiVersion: "microservice.netease.com/v1alpha1", kind: "SmartLimiter", metadata: { name: "test-svc" }, spec: { descriptors: [{ action: { quota: "3", unit: 1 }, condition: "true", match: [{ exact_match: "user", invert_match: false, name: "Bob" }] }] } });
    if ("problems" in unit) throw new Error(JSON.stringify(unit.problems));
    expect(unit.limiter.spec.sets._base!.descriptor[0]!.action).toMatchObject({ quota: "3", fill_interval: { seconds: 1 } });
  });

  it("one local rate limit filter per workload when several limiters select it (Slime inserts it once per workload)", () => {
    const mesh = { revision: 1, namespaces: ["default"], services: [], workloads: [], endpoints: ["v1", "v2"].map((v) => ({ namespace: "default", pod: `reviews-${v}-x`, workload: `reviews-${v}`, address: "10.0.0.1", ports: [], labels: { app: "reviews", version: v }, ready: true })) };
    const mk = (name: string, sel: Record<string, string>, port: number) => {
      const l = limiter({ sets: { _base: { descriptor: [{ action: { fill_interval: { seconds: 1 }, quota: "5" }, condition: "true", target: { port } }] } } }, name);
      return checked(envoyFilters(l, evaluateLimiter(l, { "_base.pod": 1 }), { selector: sel, setLabels: {} }))[0]!;
    };
    const all = mk("reviews-all", { app: "reviews" }, 9080);
    const v1 = mk("reviews-v1-only", { app: "reviews", version: "v1" }, 9090);
    const inserts = (efs: EnvoyFilterObject[]) => efs.map((ef) => `${ef.metadata.name}:${(ef.spec as unknown as { configPatches: { applyTo: string }[] }).configPatches.filter((p) => p.applyTo === "HTTP_FILTER").length}`);
    expect(inserts([v1, all])).toEqual(["reviews-v1-only.default.ratelimit:1", "reviews-all.default.ratelimit:1"]);
    const one = oneLocalFilterPerWorkload([v1, all], mesh);
    expect(inserts(one)).toEqual(["reviews-v1-only.default.ratelimit:0", "reviews-all.default.ratelimit:1"]);
    // Its own per-route limits stay.
    expect(JSON.stringify(one[0]!.spec)).toContain("local_ratelimit");
    one.forEach((ef) => expect(validateAgainstCrd(ef)).toEqual([]));
  });
});
