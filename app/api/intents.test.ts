import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { GET as diff } from "./intents/[id]/diff/route";
import { POST as rollback } from "./intents/[id]/rollback/route";
import { GET as revisions } from "./intents/[id]/revisions/route";
import { POST as preview } from "./intents/preview/route";
import { GET as list, PUT as apply } from "./intents/route";
import { GET as objects } from "./objects/route";

/** The intents API over a real runtime: embedded database, demo mesh (reviews has v1, v2, v3). */
const json = (method: string, url: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`http://x${url}`, { method, body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const shift = (weights: [string, number][]) => ({ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: weights.map(([subset, weight]) => ({ subset, weight })) } });
const count = async () => (await (await list(new Request("http://x/api/intents"))).json()).intents.length;

describe("intents API", () => {
  let dir: string;
  let id: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-intents-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error" });
  });
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("previews an intent: findings, YAML and the diff against what is in force, storing nothing", async () => {
    const res = await preview(json("POST", "/api/intents/preview", { intent: shift([["v1", 20], ["v2", 30], ["v3", 50]]) }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.findings).toEqual([]);
    expect(body.currentYaml).toBe("");
    expect(body.yaml).toContain("kind: VirtualService");
    expect(body.yaml).toContain("weight: 30");
    expect(body.diff).toContain("+kind: VirtualService");
    expect(await count()).toBe(0);
  });

  it("applies a new intent as revision 1, with its author and message", async () => {
    const res = await apply(json("PUT", "/api/intents", { intent: shift([["v1", 20], ["v2", 30], ["v3", 50]]), expectedRevision: 0, message: "canary" }, { "x-sextant-user": "alice (a header names nobody)" }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.intent).toMatchObject({ kind: "traffic-shift", target: "reviews", revision: 1, author: "anonymous", message: "canary", findings: [] });
    id = body.intent.id;
  });

  it("refuses a second intent of the same kind on the same service (409)", async () => {
    const res = await apply(json("PUT", "/api/intents", { intent: shift([["v1", 100]]), expectedRevision: 0 }));
    expect(res.status).toBe(409);
    const message = (await res.json()).error.message;
    expect(message).toContain("already exists");
    expect(message).toMatch(/revision \d+ is in force now/);
  });

  it("revises with the current revision, and refuses a stale one with 409, storing nothing", async () => {
    const ok = await apply(json("PUT", "/api/intents", { intent: shift([["v1", 100]]), expectedRevision: 1 }));
    expect((await ok.json()).intent.revision).toBe(2);
    const stale = await apply(json("PUT", "/api/intents", { intent: shift([["v3", 100]]), expectedRevision: 1 }));
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.message).toContain("revision 2 is in force now");
    const history = await (await revisions(new Request("http://x"), params(id))).json();
    expect(history.revisions.map((r: { number: number }) => r.number)).toEqual([2, 1]);
  });

  it.each([
    ["weights 60/60", { intent: shift([["v1", 60], ["v2", 60]]), expectedRevision: 2 }, 422, "body.intent.spec.weights", "SX103"],
    ["an unknown subset", { intent: shift([["v9", 100]]), expectedRevision: 2 }, 422, "body.intent.spec.weights[0].subset", "SX102"],
    ["a negative timeout", { intent: { kind: "timeouts-retries", namespace: "default", target: "reviews", spec: { timeout: "-2s" } }, expectedRevision: 0 }, 400, "body.intent.spec.timeout", undefined],
    ["a malformed regex", { intent: { kind: "request-routing", namespace: "default", target: "reviews", spec: { rules: [{ match: [{ uri: { regex: "([" } }], route: [{ subset: "v1", weight: 100 }] }] } }, expectedRevision: 0 }, 400, "body.intent.spec.rules[0].match[0].uri.regex", undefined],
    ["an unknown field", { intent: { ...shift([["v1", 100]]), extra: true }, expectedRevision: 2 }, 400, "body.intent", undefined],
    ["a wrong type", { intent: shift([["v1", 100]]), expectedRevision: "2" }, 400, "body.expectedRevision", undefined],
    ["an unknown service", { intent: { ...shift([["v1", 100]]), target: "nope" }, expectedRevision: 0 }, 422, "body.intent.target", "SX101"],
  ])("rejects %s naming the field, and stores nothing", async (_name, body, status, field, code) => {
    const before = await count();
    const res = await apply(json("PUT", "/api/intents", body));
    expect(res.status).toBe(status);
    const err = (await res.json()).error;
    expect(err.issues.map((i: { path: string }) => i.path)).toContain(field);
    if (code) expect(err.issues.map((i: { code: string }) => i.code)).toContain(code);
    expect(await count()).toBe(before);
    const history = await (await revisions(new Request("http://x"), params(id))).json();
    expect(history.revisions).toHaveLength(2);
  });

  it("refuses a huge body with 413", async () => {
    const res = await apply(json("PUT", "/api/intents", JSON.stringify({ intent: shift([["v1", 100]]), expectedRevision: 2, message: "x".repeat(300 * 1024) })));
    expect(res.status).toBe(413);
  });

  it("diffs two revisions, spec and rendered objects", async () => {
    const body = await (await diff(new Request("http://x/api/intents/x/diff?from=1&to=2"), params(id))).json();
    expect(body.intentDiff).toContain("-    weight: 20");
    expect(body.intentDiff).toMatch(/^ protocol: http\n weights:/m); // schema order, not the database's
    expect(body.renderedDiff).toContain("-          weight: 20");
    expect(body.renderedDiff).toContain("-            subset: v3\n-          weight: 50\n");
    expect(body.renderedDiff.split("\n").filter((l: string) => l.startsWith("+") && !l.startsWith("+++"))).toEqual([]);
    const history = await (await revisions(new Request("http://x"), params(id))).json();
    expect(history.revisions[1].yaml.startsWith("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:")).toBe(true);
  });

  it("rolls back to a revision as a new revision", async () => {
    const res = await rollback(json("POST", "/api/intents/x/rollback", { toRevision: 1, expectedRevision: 2 }, { "x-sextant-user": "bob" }), params(id));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.intent).toMatchObject({ revision: 3, author: "anonymous", message: "roll back to revision 1" });
    expect(body.intent.spec.weights).toEqual([{ subset: "v1", weight: 20 }, { subset: "v2", weight: 30 }, { subset: "v3", weight: 50 }]);
    const stale = await rollback(json("POST", "/api/intents/x/rollback", { toRevision: 1, expectedRevision: 2 }), params(id));
    expect(stale.status).toBe(409);
  });

  it("lists intents with validation status, and every generated object", async () => {
    await apply(json("PUT", "/api/intents", { intent: { kind: "load-balancer", namespace: "default", target: "reviews", spec: { simple: "RANDOM" } }, expectedRevision: 0 }));
    const intents = (await (await list(new Request("http://x/api/intents?namespace=default&target=reviews"))).json()).intents;
    expect(intents.map((i: { kind: string }) => i.kind)).toEqual(["load-balancer", "traffic-shift"]);
    // RANDOM is fine for Envoy sidecars; proxyless gRPC clients get round robin, and are told so (SX301).
    expect(intents.map((i: { findings: { code: string }[] }) => i.findings.map((f) => f.code))).toEqual([["SX301"], []]);
    const objs = await (await objects(new Request("http://x/api/objects"))).json();
    expect(objs.objects.map((o: { kind: string; name: string }) => `${o.kind}/${o.name}`)).toEqual(["DestinationRule/reviews", "VirtualService/reviews"]);
    expect(objs.yaml).toContain("simple: RANDOM");
  });

  it("404s for an unknown intent and 400s for a malformed id", async () => {
    expect((await revisions(new Request("http://x"), params("00000000-0000-4000-8000-000000000000"))).status).toBe(404);
    expect((await revisions(new Request("http://x"), params("nope"))).status).toBe(400);
  });
});
