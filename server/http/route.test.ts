import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConflictError, InvalidError, NotFoundError, UnavailableError } from "../errors";
import { ANONYMOUS_ADMIN } from "../auth/principal";
import { Reply, createRoute } from "./route";

/** No runtime, no database: the wrapper takes its dependencies. */
const route = createRoute({ runtime: () => Promise.reject(new Error("no runtime in this test")), authenticate: async () => ANONYMOUS_ADMIN });

const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  new Request("http://x/api/t", { method: "POST", body, headers });

describe("the route-handler wrapper", () => {
  const echo = route(
    {
      name: "test.echo",
      query: z.strictObject({ ns: z.string().min(1).optional(), tag: z.array(z.string()).optional() }),
      body: z.strictObject({ weights: z.array(z.strictObject({ subset: z.string(), weight: z.number().int() })) }),
    },
    ({ query, body }) => ({ query, body }),
  );

  it("passes validated query and body to the handler and answers 200 JSON with a request id", async () => {
    const res = await echo(new Request("http://x/api/t?ns=default&tag=a&tag=b", { method: "POST", body: '{"weights":[{"subset":"v1","weight":100}]}', headers: { "content-type": "application/json", "x-request-id": "abc-123" } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    expect(await res.json()).toEqual({ query: { ns: "default", tag: ["a", "b"] }, body: { weights: [{ subset: "v1", weight: 100 }] } });
  });

  it("names the field of a body that does not match the schema (400)", async () => {
    const res = await echo(post('{"weights":[{"subset":"v1","weight":100},{"subset":"v2","weight":"x"}]}'));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("bad_request");
    expect(body.error.issues).toEqual([expect.objectContaining({ path: "body.weights[1].weight" })]);
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("rejects unknown fields and unknown query parameters, naming them", async () => {
    const a = await (await echo(post('{"weights":[],"extra":1}'))).json();
    expect(a.error.message).toContain("extra");
    const res = await echo(new Request("http://x/api/t?bogus=1", { method: "POST", body: '{"weights":[]}', headers: { "content-type": "application/json" } }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("bogus");
  });

  it("rejects malformed JSON, an empty body and a non-JSON content type", async () => {
    expect((await echo(post("{"))).status).toBe(400);
    expect((await (await echo(post("{"))).json()).error.message).toContain("not valid JSON");
    expect((await echo(post(""))).status).toBe(400);
    const res = await echo(post("weights=1", { "content-type": "application/x-www-form-urlencoded" }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues[0].path).toBe("headers.content-type");
  });

  it("refuses bodies over the limit with 413, declared or not", async () => {
    const small = route({ name: "t", body: z.unknown(), maxBodyBytes: 100 }, () => "ok");
    const big = JSON.stringify({ x: "a".repeat(200) });
    expect((await small(post(big))).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const undeclared = new Request("http://x/api/t", { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
    expect((await small(undeclared)).status).toBe(413);
  });

  it.each([
    [new InvalidError("weights must sum to 100", [{ path: "spec.weights", message: "sum is 120" }]), 422, "invalid"],
    [new NotFoundError("service default/nope"), 404, "not_found"],
    [new ConflictError("stale revision"), 409, "conflict"],
    [new UnavailableError("database", "connection refused"), 503, "unavailable"],
  ])("maps %s to its status", async (error, status, code) => {
    const res = await route({ name: "t" }, () => {
      throw error;
    })(new Request("http://x/api/t"));
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toBe(error.message);
  });

  it("answers 500 without internals for an unexpected error", async () => {
    const res = await route({ name: "t" }, () => {
      throw new TypeError("secret internals at /srv/x.ts:12");
    })(new Request("http://x/api/t"));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret");
    expect(JSON.parse(text).error.code).toBe("internal");
  });

  it("validates path params and lets handlers choose the status", async () => {
    const h = route({ name: "t", params: z.strictObject({ id: z.uuid() }) }, ({ params }) => new Reply(201, { id: params.id }, { location: `/x/${params.id}` }));
    const bad = await h(new Request("http://x"), { params: Promise.resolve({ id: "nope" }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.issues[0].path).toBe("params.id");
    const id = "4a1f0c4e-8d1e-4c1a-9a57-2f1b7c1d2e3f";
    const ok = await h(new Request("http://x"), { params: Promise.resolve({ id }) });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("location")).toBe(`/x/${id}`);
  });

  it("replaces a malformed request id with a fresh one", async () => {
    const res = await route({ name: "t" }, () => 1)(new Request("http://x", { headers: { "x-request-id": "bad id with spaces" } }));
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

describe("the wrapper refuses hostile input at the edge", () => {
  const plain = route({ name: "test.plain" }, () => ({ ok: true }));
  const takes = route({ name: "test.takes", body: z.strictObject({ name: z.string() }) }, ({ body }) => body);

  it("a route that declares no query parameters refuses any (400 naming it)", async () => {
    const res = await plain(new Request("http://x/api/p?cachebust=1"));
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues[0].path).toBe("query");
    expect((await plain(new Request("http://x/api/p"))).status).toBe(200);
  });

  it("NUL characters and lone surrogates in any string, key or query are 400 naming the field, never stored", async () => {
    for (const [body, path] of [
      [{ name: "a\u0000b" }, "body.name"],
      [{ name: "x\ud800y" }, "body.name"],
      [{ ["na\u0000me"]: "x" }, `body.${JSON.stringify("na\u0000me")}`],
    ] as const) {
      const res = await takes(post(JSON.stringify(body)));
      expect(res.status, path).toBe(400);
      expect((await res.json()).error.issues[0].path).toBe(path);
    }
    const q = route({ name: "test.q", query: z.strictObject({ ns: z.string() }) }, ({ query }) => query);
    const res = await q(new Request("http://x/api/q?ns=a%00b"));
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues[0].path).toBe("query.ns");
  });

  it("JSON nested deeper than 64 levels is 400, not a stack overflow", async () => {
    const res = await takes(post("[".repeat(5000) + "]".repeat(5000)));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("nested");
  });

  it("an oversized body is read to its end before the 413 (the client then sees the answer, not a reset)", async () => {
    const small = route({ name: "test.small", body: z.unknown(), maxBodyBytes: 1024 }, () => ({}));
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= 64) return c.close();
        pulled++;
        c.enqueue(new Uint8Array(1024).fill(32));
      },
    });
    const res = await small(new Request("http://x/api/s", { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit));
    expect(res.status).toBe(413);
    expect(pulled).toBe(64);
  });
});
  it("maps a domain error made by another copy of the errors module (Next bundles the runtime apart): 503, not 500", async () => {
    const foreign = Object.assign(new Error("metrics is unavailable: no metrics source"), { code: "unavailable", issues: [], [Symbol.for("sextant.domainError")]: true });
    const res = await route({ name: "t" }, () => {
      throw foreign;
    })(new Request("http://x"));
    expect(res.status).toBe(503);
    expect((await res.json()).error.message).toContain("no metrics source");
  });

  it("refuses writes from another site; accepts the public URL's host behind a proxy that rewrites Host", async () => {
    const behind = createRoute({ runtime: () => Promise.reject(new Error("none")), authenticate: async () => ANONYMOUS_ADMIN, trustedHosts: async () => ["sextant.example.com"] })({ name: "test.write", body: z.strictObject({}) }, () => ({ ok: true }));
    const write = (origin: string, extra: Record<string, string> = {}) => behind(new Request("http://sextant-internal:3000/api/t", { method: "POST", body: "{}", headers: { "content-type": "application/json", host: "sextant-internal:3000", origin, ...extra } }));
    expect((await write("https://sextant.example.com")).status).toBe(200);
    expect((await write("http://sextant-internal:3000")).status).toBe(200);
    const evil = await write("https://evil.example");
    expect(evil.status).toBe(403);
    expect((await evil.json()).error.message).toContain("cross-origin request refused");
    expect((await write("https://sextant.example.com", { "sec-fetch-site": "cross-site" })).status).toBe(403);
  });

  it("a process that is shutting down refuses writes (503, Retry-After) before the handler runs, and still answers reads", async () => {
    let draining = false;
    let calls = 0;
    const r = createRoute({ runtime: () => Promise.reject(new Error("none")), authenticate: async () => ANONYMOUS_ADMIN, draining: () => draining });
    const write = r({ name: "test.write", body: z.strictObject({}) }, () => ({ calls: ++calls }));
    const read = r({ name: "test.read" }, () => ({ calls }));
    const sameSite = { "content-type": "application/json", "sec-fetch-site": "same-origin" };
    expect((await write(post("{}", sameSite))).status).toBe(200);
    draining = true;
    const refused = await write(post("{}", sameSite));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await refused.json()).error.message).toContain("shutting down");
    expect(calls).toBe(1);
    const res = await read(new Request("http://x/api/t"));
    expect([res.status, await res.json()]).toEqual([200, { calls: 1 }]);
  });
});
