import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { type IntentDraft, intentDraftSchema } from "../intents/schemas";
import { validateAgainstCrd } from "./crd";
import type { RenderedObject } from "./istio";
import { type ServiceTarget, translateAll, translateHost } from "./translate";
import { toYaml } from "./yaml";

const svc = (name: string, subsets: string[] = ["v1", "v2", "v3"]): ServiceTarget => ({ namespace: "default", name, hostname: `${name}.default.svc.cluster.local`, subsets });
const reviews = svc("reviews");
const ratings = svc("ratings", ["v1"]);
const intent = (kind: string, target: string, spec: unknown): IntentDraft => intentDraftSchema.parse({ kind, namespace: "default", target, spec });

/** Istio's sample, with short host names made fully qualified (the only difference allowed). */
function sample(file: string): { kind: string; spec: unknown } {
  const doc = YAML.parse(fs.readFileSync(path.join(import.meta.dirname, "testdata", "bookinfo", file), "utf8"));
  const fq = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(fq) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, (k === "host" || k === "hosts") && x ? (Array.isArray(x) ? x.map((h) => `${h}.default.svc.cluster.local`) : `${x}.default.svc.cluster.local`) : fq(x)])) : v;
  return { kind: doc.kind, spec: fq(doc.spec) };
}
const find = (objs: RenderedObject[], kind: string) => objs.find((o) => o.kind === kind)!;

describe("Istio's Bookinfo examples come out right", () => {
  it("reviews 50% v1 / 50% v3", () => {
    const objs = translateHost(reviews, [intent("traffic-shift", "reviews", { weights: [{ subset: "v1", weight: 50 }, { subset: "v3", weight: 50 }] })]);
    expect(find(objs, "VirtualService").spec).toEqual(sample("virtual-service-reviews-50-v3.yaml").spec);
  });

  it("reviews 80% v1 / 20% v2", () => {
    const objs = translateHost(reviews, [intent("traffic-shift", "reviews", { weights: [{ subset: "v1", weight: 80 }, { subset: "v2", weight: 20 }, { subset: "v3", weight: 0 }] })]);
    expect(find(objs, "VirtualService").spec).toEqual(sample("virtual-service-reviews-80-20.yaml").spec);
  });

  it("end-user jason to v2, everyone else to v3", () => {
    const objs = translateHost(reviews, [
      intent("request-routing", "reviews", { rules: [{ match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v2", weight: 100 }] }] }),
      intent("traffic-shift", "reviews", { weights: [{ subset: "v3", weight: 100 }] }),
    ]);
    expect(find(objs, "VirtualService").spec).toEqual(sample("virtual-service-reviews-jason-v2-v3.yaml").spec);
  });

  it("ratings: a 7 s delay for jason", () => {
    const objs = translateHost(ratings, [
      intent("fault-injection", "ratings", { match: [{ headers: { "end-user": { exact: "jason" } } }], delay: { fixedDelay: "7s", percentage: 100 } }),
      intent("traffic-shift", "ratings", { weights: [{ subset: "v1", weight: 100 }] }),
    ]);
    expect(find(objs, "VirtualService").spec).toEqual(sample("virtual-service-ratings-test-delay.yaml").spec);
  });

  it("ratings: abort with 500 for jason", () => {
    const objs = translateHost(ratings, [
      intent("fault-injection", "ratings", { match: [{ headers: { "end-user": { exact: "jason" } } }], abort: { httpStatus: 500, percentage: 100 } }),
      intent("traffic-shift", "ratings", { weights: [{ subset: "v1", weight: 100 }] }),
    ]);
    expect(find(objs, "VirtualService").spec).toEqual(sample("virtual-service-ratings-test-abort.yaml").spec);
  });

  it("reviews DestinationRule: subsets from version labels, RANDOM load balancing", () => {
    const objs = translateHost(reviews, [intent("load-balancer", "reviews", { simple: "RANDOM" })]);
    expect(find(objs, "DestinationRule").spec).toEqual(sample("destination-rule-reviews.yaml").spec);
  });
});

describe("the translator", () => {
  const all = [
    intent("traffic-shift", "reviews", { weights: [{ subset: "v1", weight: 20 }, { subset: "v2", weight: 30 }, { subset: "v3", weight: 50 }] }),
    intent("request-routing", "reviews", { rules: [{ name: "testers", match: [{ headers: { "x-test": { prefix: "yes" } } }, { uri: { regex: "^/beta/.*" } }], route: [{ subset: "v3", weight: 100 }] }] }),
    intent("fault-injection", "reviews", { delay: { fixedDelay: "50ms", percentage: 5 } }),
    intent("timeouts-retries", "reviews", { timeout: "2s", retries: { attempts: 3, perTryTimeout: "500ms", retryOn: ["5xx", "reset", "5xx"] } }),
    intent("mirroring", "reviews", { subset: "v3", percentage: 10 }),
    intent("circuit-breaking", "reviews", { connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10 } }, outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 } }),
    intent("load-balancer", "reviews", { consistentHash: { httpHeaderName: "x-user" } }),
  ];

  it("merges every kind on one host in the defined order", () => {
    const [vs, dr] = translateHost(reviews, all);
    expect(vs!.kind).toBe("VirtualService");
    const http = (vs as Extract<RenderedObject, { kind: "VirtualService" }>).spec.http!;
    expect(http).toHaveLength(2);
    expect(http[0]).toMatchObject({ name: "testers", match: [{ headers: { "x-test": { prefix: "yes" } } }, { uri: { regex: "^/beta/.*" } }], route: [{ destination: { subset: "v3" } }] });
    expect(http[1]!.route.map((r) => [r.destination.subset, r.weight])).toEqual([["v1", 20], ["v2", 30], ["v3", 50]]);
    for (const r of http) {
      expect(r.fault).toEqual({ delay: { percentage: { value: 5 }, fixedDelay: "50ms" } });
      expect(r.timeout).toBe("2s");
      expect(r.retries).toEqual({ attempts: 3, perTryTimeout: "500ms", retryOn: "5xx,reset" });
      expect(r.mirror).toEqual({ host: "reviews.default.svc.cluster.local", subset: "v3" });
      expect(r.mirrorPercentage).toEqual({ value: 10 });
    }
    expect(dr!.spec).toMatchObject({
      trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: "x-user" } }, connectionPool: { tcp: { maxConnections: 100 } }, outlierDetection: { consecutive5xxErrors: 5 } },
    });
    expect(vs!.metadata).toEqual({ name: "reviews", namespace: "default", labels: { "app.kubernetes.io/managed-by": "sextant" } });
  });

  it("a fault for some requests adds to the destination the routing rules choose: matches combined first", () => {
    const [vs] = translateHost(reviews, [
      intent("request-routing", "reviews", { rules: [{ name: "api", match: [{ uri: { prefix: "/api" } }], route: [{ subset: "v2", weight: 100 }] }] }),
      intent("fault-injection", "reviews", { match: [{ headers: { "end-user": { exact: "jason" } } }], abort: { httpStatus: 503, percentage: 50 } }),
    ]);
    const http = (vs as Extract<RenderedObject, { kind: "VirtualService" }>).spec.http!;
    // 1. jason AND /api: the fault, routed by the rule; 2. jason: the fault, default route; 3. the rule; 4. default.
    expect(http.map((r) => [r.name ?? "", r.match?.map((m) => Object.keys(m).sort().join("+")) ?? [], !!r.fault, r.route.map((d) => d.destination.subset ?? "")])).toEqual([
      ["api-fault", ["headers+uri"], true, ["v2"]],
      ["", ["headers"], true, [""]],
      ["api", ["uri"], false, ["v2"]],
      ["", [], false, [""]],
    ]);
  });

  it("leaves out combinations no request can match", () => {
    const [vs] = translateHost(reviews, [
      intent("request-routing", "reviews", { rules: [{ match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v2", weight: 100 }] }] }),
      intent("fault-injection", "reviews", { match: [{ headers: { "end-user": { exact: "ann" } } }], abort: { httpStatus: 503, percentage: 50 } }),
    ]);
    expect((vs as Extract<RenderedObject, { kind: "VirtualService" }>).spec.http!.map((r) => !!r.fault)).toEqual([true, false, false]);
  });

  it("shifts TCP traffic with tcp routes", () => {
    const [vs] = translateHost(svc("mongodb", ["v1", "v2"]), [intent("traffic-shift", "mongodb", { protocol: "tcp", weights: [{ subset: "v1", weight: 90 }, { subset: "v2", weight: 10 }] })]);
    expect(vs!.spec).toEqual({
      hosts: ["mongodb.default.svc.cluster.local"],
      tcp: [{ route: [{ destination: { host: "mongodb.default.svc.cluster.local", subset: "v1" }, weight: 90 }, { destination: { host: "mongodb.default.svc.cluster.local", subset: "v2" }, weight: 10 }] }],
    });
  });

  it("writes no DestinationRule when nothing needs one, and no VirtualService for policy-only intents", () => {
    expect(translateHost(reviews, [intent("timeouts-retries", "reviews", { timeout: "1s" })]).map((o) => o.kind)).toEqual(["VirtualService"]);
    expect(translateHost(reviews, [intent("circuit-breaking", "reviews", { outlierDetection: { consecutive5xxErrors: 3 } })]).map((o) => o.kind)).toEqual(["DestinationRule"]);
  });

  it("is deterministic: the same intents in any order give the same bytes", () => {
    const services = [reviews, ratings];
    const more = [...all, intent("traffic-shift", "ratings", { weights: [{ subset: "v1", weight: 100 }] })];
    const a = toYaml(translateAll(services, more));
    const b = toYaml(translateAll([...services].reverse(), [...more].reverse()));
    expect(a).toBe(b);
    expect(a.split("---\n").map((d) => YAML.parse(d).kind + "/" + YAML.parse(d).metadata.name)).toEqual(["DestinationRule/ratings", "DestinationRule/reviews", "VirtualService/ratings", "VirtualService/reviews"]);
  });

  it("produces only objects valid against Istio's CRD schemas", () => {
    const objs = translateAll([reviews, ratings, svc("mongodb", ["v1", "v2"])], [
      ...all,
      intent("traffic-shift", "mongodb", { protocol: "tcp", weights: [{ subset: "v1", weight: 90 }, { subset: "v2", weight: 10 }] }),
      intent("fault-injection", "ratings", { match: [{ headers: { "end-user": { exact: "jason" } } }], abort: { httpStatus: 500, percentage: 100 } }),
      intent("load-balancer", "ratings", { consistentHash: { httpCookie: { name: "user", ttl: "60s" } } }),
    ]);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["DestinationRule/mongodb", "DestinationRule/ratings", "DestinationRule/reviews", "VirtualService/mongodb", "VirtualService/ratings", "VirtualService/reviews"]);
    for (const o of objs) expect(validateAgainstCrd(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
  });
});

describe("the CRD schema validator", () => {
  const vs = (spec: unknown) => ({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "x", namespace: "default" }, spec });

  it("accepts Istio's own samples", () => {
    for (const f of fs.readdirSync(path.join(import.meta.dirname, "testdata", "bookinfo")).filter((x) => /^(virtual-service|destination-rule)/.test(x))) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(import.meta.dirname, "testdata", "bookinfo", f), "utf8"))) {
        const obj = doc.toJS();
        if (obj) expect(validateAgainstCrd(obj), f).toEqual([]);
      }
    }
  });

  it("rejects unknown fields, wrong types and enum values", () => {
    expect(validateAgainstCrd(vs({ hosts: ["a"], htp: [] }))).toEqual([{ path: "spec", message: 'unknown field "htp"' }]);
    expect(validateAgainstCrd(vs({ hosts: "a" }))[0]!.path).toBe("spec.hosts");
    const dr = { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: {}, spec: { host: "a", trafficPolicy: { loadBalancer: { simple: "FASTEST" } } } };
    expect(validateAgainstCrd(dr).some((p) => p.path === "spec.trafficPolicy.loadBalancer.simple")).toBe(true);
  });

  it("evaluates the CRD's CEL rules (x-kubernetes-validations)", () => {
    const problems = validateAgainstCrd(vs({ hosts: ["a"], http: [{ route: [{ destination: { host: "a" } }], timeout: "0.5ms" }] }));
    expect(problems).toEqual([expect.objectContaining({ path: "spec.http[0].timeout" })]);
    expect(problems[0]!.message).toMatch(/duration|1ms/);
  });

  it("says when it has no schema for a kind", () => {
    expect(validateAgainstCrd({ apiVersion: "example.com/v1", kind: "Gadget", spec: {} })[0]!.message).toContain("no CRD schema");
  });
});
