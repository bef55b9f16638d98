import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { listAudit } from "@/server/store/audit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRuntime, startRuntime, stopRuntime } from "@/server/runtime";
import { TYPE, messageType } from "@/server/xds/protos";
import { GET as diff } from "./intents/[id]/diff/route";
import { POST as rollback } from "./intents/[id]/rollback/route";
import { GET as revisions } from "./intents/[id]/revisions/route";
import { GET as intents } from "./intents/route";
import { DELETE as remove, GET as one } from "./limiters/[id]/route";
import { POST as evaluate } from "./limiters/evaluate/route";
import { POST as preview } from "./limiters/preview/route";
import { GET as list, PUT as apply } from "./limiters/route";
import { GET as objects } from "./objects/route";

/** The SmartLimiter API over a real runtime: embedded database, demo mesh and its own telemetry (no Prometheus), xDS. */
const json = (method: string, url: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`http://x${url}`, { method, body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const example = fs.readFileSync(path.join(process.cwd(), "server/limiter/testdata/01-single-inbound.yaml"), "utf8");
const count = async () => (await (await list(new Request("http://x/api/limiters"))).json()).limiters.length;

describe("SmartLimiter API", () => {
  let dir: string;
  let id: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-limiters-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error", SEXTANT_XDS_DEBOUNCE_MS: "10", SEXTANT_DEMO_RPS: "20" });
  }, 60_000);
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["an unknown strategy", example.replace("'single'", "'burst'"), "body.yaml.spec.sets._base.descriptor[0].action.strategy", "must be one of single, average, global"],
    ["a bad template", example.replace("'100'", "'100/{{._base.pod'"), "body.yaml.spec.sets._base.descriptor[0].action.quota", "'{{' is not closed"],
    ["a wrong type", example.replace("seconds: 60", "seconds: sixty"), "body.yaml.spec.sets._base.descriptor[0].action.fill_interval.seconds", "whole number"],
    ["a missing target", example.replace(/\s+target:\s+port: 9080/, ""), "body.yaml.spec.sets._base.descriptor[0].target", "required"],
    ["broken YAML", "spec: [", "body.yaml", "line 1"],
  ])("rejects %s with the field's path, storing nothing", async (_what, yaml, field, message) => {
    const res = await apply(json("PUT", "/api/limiters", { yaml, expectedRevision: 0 }));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.issues).toContainEqual(expect.objectContaining({ path: field, message: expect.stringContaining(message) }));
    expect(await count()).toBe(0);
  });

  it("previews an import: the EnvoyFilter it would generate and the diff, storing nothing", async () => {
    const res = await preview(json("POST", "/api/limiters/preview", { yaml: example }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.envoyFiltersYaml).toContain("name: reviews.default.ratelimit");
    expect(body.diff).toContain("+kind: EnvoyFilter");
    expect(body.evaluation.metrics["_base.pod"]).toBe(3);
    expect(await count()).toBe(0);
  });

  it("imports Slime's YAML as revision 1 and evaluates it at once: status, EnvoyFilter, objects, and the sidecars' inbound listener", async () => {
    const res = await apply(json("PUT", "/api/limiters", { yaml: example, expectedRevision: 0, message: "limit reviews" }, { "x-sextant-user": "alice (a header names nobody)" }));
    expect(res.status).toBe(200);
    const body = await res.json();
    id = body.id;
    expect(body.revision).toBe(1);
    expect(body.status).toMatchObject({ current: true, metrics: { "_base.pod": 3 }, envoyFilters: ["reviews.default.ratelimit"] });
    expect(body.status.descriptors[0]).toMatchObject({ condition: true, quota: 100, bucket: { max_tokens: 100, fill_interval: 60 }, active: true });
    const listed = (await (await list(new Request("http://x/api/limiters"))).json()).limiters;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, name: "reviews", namespace: "default", revision: 1, author: "anonymous", message: "limit reviews" });
    expect(listed[0].yaml).toContain("kind: SmartLimiter");
    // Audited with the change, named as a limiter.
    const [entry] = await listAudit((await getRuntime()).store.get().prisma, { limit: 1 });
    expect(entry).toMatchObject({ actor: "anonymous", action: "limiter.create", resource: "smart-limiter default/reviews r1" });
    const objs = (await (await objects(new Request("http://x/api/objects"))).json()).objects;
    expect(objs).toContainEqual(expect.objectContaining({ kind: "EnvoyFilter", name: "reviews.default.ratelimit" }));
    // SmartLimiters are not traffic intents: the intents list does not show them.
    expect((await (await intents(new Request("http://x/api/intents"))).json()).intents.map((i: { kind: string }) => i.kind)).not.toContain("smart-limiter");
    // Sextant's own xDS: a reviews pod's sidecar gets the local rate limit filter on its inbound listener.
    const rt = await getRuntime();
    const pod = rt.registry.snapshot().endpoints.find((e) => e.labels.app === "reviews")!;
    await expect
      .poll(async () => {
        const l = (await rt.xds!.dataplane.view(TYPE.listener, `${pod.pod}.default`, "envoy")).find((r) => r.name === "virtualInbound");
        if (!l) return [];
        const listener = messageType(TYPE.listener).decode(l.value) as unknown as { filter_chains: { filters: { typed_config: { value: Uint8Array } }[] }[] };
        const hcm = messageType(TYPE.hcm).decode(listener.filter_chains[0]!.filters[0]!.typed_config.value) as unknown as { http_filters: { name: string }[] };
        return hcm.http_filters.map((f) => f.name);
      })
      .toEqual(["envoy.filters.http.local_ratelimit", "envoy.filters.http.router"]);
  });

  it("reads the demo's own telemetry when there is no Prometheus", async () => {
    const yaml = example.replace("condition: 'true'", "condition: '{{._base.rps}} > 1'");
    // The preview reads the metrics now, as the evaluation will.
    await expect
      .poll(async () => (await (await preview(json("POST", "/api/limiters/preview", { yaml }))).json()).evaluation.metrics["_base.rps"] ?? 0, { timeout: 20_000, interval: 1000 })
      .toBeGreaterThan(1);
    expect((await apply(json("PUT", "/api/limiters", { yaml, expectedRevision: 1 }))).status).toBe(200);
    await expect
      .poll(async () => {
        await evaluate(new Request("http://x/api/limiters/evaluate", { method: "POST" }));
        return (await (await one(new Request("http://x"), params(id))).json()).status.metrics["_base.rps"] ?? 0;
      }, { timeout: 20_000, interval: 1000 })
      .toBeGreaterThan(1);
  });

  it("removes the EnvoyFilter when a revision makes the condition false, keeping the diff and the history", async () => {
    const res = await apply(json("PUT", "/api/limiters", { yaml: example.replace("condition: 'true'", "condition: 'false'"), expectedRevision: 2 }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status.envoyFilters).toEqual([]);
    expect(body.status.descriptors[0]).toMatchObject({ condition: false, active: false });
    expect(body.status.diff).toContain("-kind: EnvoyFilter");
    const objs = (await (await objects(new Request("http://x/api/objects"))).json()).objects;
    expect(objs.map((o: { kind: string }) => o.kind)).not.toContain("EnvoyFilter");
    const history = await (await revisions(new Request("http://x"), params(id))).json();
    expect(history.revisions.map((r: { number: number }) => r.number)).toEqual([3, 2, 1]);
    expect(history.revisions[0].yaml).toContain("condition: \"false\"");
    const d = await (await diff(new Request("http://x/?from=1&to=3"), params(id))).json();
    expect(d.intentDiff).toContain('+        condition: "false"');
  });

  it("the intents' rollback refuses a SmartLimiter with 422 saying where to roll it back (it was a 500)", async () => {
    const res = await rollback(json("POST", "/x", { toRevision: 1, expectedRevision: 3 }), params(id));
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toContain("roll it back on the Rate limits page");
  });

  it("refuses a stale revision (409) and a second limiter of the same name (409)", async () => {
    expect((await apply(json("PUT", "/api/limiters", { yaml: example, expectedRevision: 1 }))).status).toBe(409);
    expect((await apply(json("PUT", "/api/limiters", { yaml: example, expectedRevision: 0 }))).status).toBe(409);
  });

  it("deletes it with the revision read, and not with a stale one", async () => {
    expect((await remove(new Request("http://x/?expectedRevision=1", { method: "DELETE" }), params(id))).status).toBe(409);
    expect((await remove(new Request("http://x/?expectedRevision=3", { method: "DELETE" }), params(id))).status).toBe(200);
    expect(await count()).toBe(0);
    expect((await one(new Request("http://x"), params(id))).status).toBe(404);
  });

  it("two deletes racing with the same revision: one wins (200), the loser gets 409 as in every other race; a later one 404", async () => {
    const created = await (await apply(json("PUT", "/api/limiters", { yaml: example, expectedRevision: 0 }))).json();
    const del = () => remove(new Request("http://x/?expectedRevision=1", { method: "DELETE" }), params(created.id));
    const statuses = (await Promise.all([del(), del(), del()])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409]);
    expect((await del()).status).toBe(404);
  });

  it("refuses a regex_match RE2 does not accept (422 naming the field), storing nothing", async () => {
    const before = await count();
    const spec = { sets: { _base: { descriptor: [{ action: { fill_interval: { seconds: 1 }, quota: "10", strategy: "single" }, condition: "true", target: { port: 9080 }, match: [{ name: "user", regex_match: "^(?!test)k[0-9]+$" }] }] } } };
    const res = await apply(json("PUT", "/api/limiters", { limiter: { apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: "re2", namespace: "default" }, spec }, expectedRevision: 0 }));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.issues[0].path).toBe("body.limiter.spec.sets._base.descriptor[0].match[0].regex_match");
    expect(body.error.issues[0].message).toContain("RE2");
    expect(await count()).toBe(before);
  });

  it("refuses a regex_match whose RE2 program is larger than Envoy accepts (422 naming the field), storing nothing", async () => {
    const before = await count();
    const spec = { sets: { _base: { descriptor: [{ action: { fill_interval: { seconds: 1 }, quota: "10", strategy: "single" }, condition: "true", target: { port: 9080 }, match: [{ name: "user", regex_match: "\\pL{28}" }] }] } } };
    const res = await apply(json("PUT", "/api/limiters", { limiter: { apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: "re2-size", namespace: "default" }, spec }, expectedRevision: 0 }));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.issues[0].path).toBe("body.limiter.spec.sets._base.descriptor[0].match[0].regex_match");
    expect(body.error.issues[0].message).toContain("33408 instructions");
    expect(await count()).toBe(before);
  });
});
