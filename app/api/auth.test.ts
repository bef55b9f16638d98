import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/server/auth/passwords";
import { getRuntime, startRuntime, stopRuntime } from "@/server/runtime";
import { actingAs, listAudit } from "@/server/store/audit";
import { createToken, createUser } from "@/server/store/identities";
import { type RouteCase, apiRoutes } from "@/server/testing/api-routes";

/**
 * Who may do what, over a real runtime with local users (embedded database, demo mesh): every
 * route and method against every kind of caller, generated from the route list (a new route
 * fails "every route has an expected access" until it says who may call it).
 */
type Access = "public" | "read" | "operate" | "admin";
const EXPECTED: Record<string, Access> = {
  "GET /api/audit": "read",
  "GET /api/audit/verify": "read",
  "GET /api/auth/me": "public",
  "POST /api/auth/login": "public",
  "POST /api/auth/logout": "read",
  "POST /api/auth/setup": "public",
  "POST /api/auth/kube-login": "public",
  "GET /api/auth/oidc/login": "public",
  "GET /api/auth/oidc/callback": "public",
  "GET /api/cluster": "read",
  "POST /api/cluster/adopt": "operate",
  "POST /api/cluster/apply": "operate",
  "POST /api/cluster/import-limiters": "operate",
  "GET /api/cluster/objects": "read",
  "POST /api/cluster/plan": "read",
  "PUT /api/cluster/settings": "admin",
  "POST /api/gitops/compare": "read",
  "GET /api/gitops/export": "read",
  "GET /api/gitops/targets": "read",
  "POST /api/gitops/targets": "admin",
  "PUT /api/gitops/targets/[id]": "admin",
  "DELETE /api/gitops/targets/[id]": "admin",
  "POST /api/gitops/targets/[id]/commit": "operate",
  "POST /api/gitops/targets/[id]/compare": "read",
  "GET /api/gitops/targets/[id]/exports": "read",
  "POST /api/gitops/targets/[id]/preview": "read",
  "GET /api/graph": "read",
  "GET /api/graph/latency": "read",
  "GET /api/graph/series": "read",
  "GET /api/health": "public",
  "GET /api/ready": "public",
  "GET /api/intents": "read",
  "PUT /api/intents": "operate",
  "GET /api/intents/[id]/diff": "read",
  "GET /api/intents/[id]/revisions": "read",
  "POST /api/intents/[id]/rollback": "operate",
  "POST /api/intents/preview": "read",
  "GET /api/limiters": "read",
  "PUT /api/limiters": "operate",
  "GET /api/limiters/[id]": "read",
  "DELETE /api/limiters/[id]": "operate",
  "POST /api/limiters/evaluate": "operate",
  "POST /api/limiters/preview": "read",
  "GET /api/objects": "read",
  "GET /api/proxies": "read",
  "GET /api/proxies/[stream]/config": "read",
  "GET /api/services": "read",
  "GET /api/services/[namespace]/[name]/metrics": "read",
  "GET /api/tokens": "admin",
  "POST /api/tokens": "admin",
  "DELETE /api/tokens/[id]": "admin",
  "GET /api/users": "admin",
  "POST /api/users": "admin",
  "PUT /api/users/[id]": "admin",
  "GET /api/workloads/[namespace]/[name]/metrics": "read",
};

type Caller = "nobody" | "viewer" | "operator" | "admin" | "revoked" | "expired" | "limited";
const RANK: Record<Access, number> = { public: -1, read: 0, operate: 1, admin: 2 };
const ROLE_RANK: Partial<Record<Caller, number>> = { viewer: 0, operator: 1, admin: 2, limited: 1 };

const PASSWORD = "correct horse battery staple";
const json = (method: string, url: string, body: unknown, headers: Record<string, string> = {}) => new Request(`http://sextant.test${url}`, { method, body: JSON.stringify(body), headers: { "content-type": "application/json", host: "sextant.test", ...headers } });

describe("sign-in, roles and tokens on every route", () => {
  let dir: string;
  let cases: RouteCase[];
  const bearer: Partial<Record<Caller, string>> = {};

  async function storeState(): Promise<string> {
    const db = (await getRuntime()).store.get().prisma;
    const intents = await db.intent.findMany({ select: { id: true, revision: true }, orderBy: { id: "asc" } });
    return JSON.stringify([intents, await db.auditEvent.count(), await db.user.count(), await db.apiToken.count(), await db.gitTarget.count(), await db.namespaceSetting.count()]);
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-auth-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error", SEXTANT_AUTH: "local", SEXTANT_ADMIN_PASSWORD: PASSWORD });
    cases = await apiRoutes();
    const db = (await getRuntime()).store.get().prisma;
    const hash = await hashPassword(PASSWORD);
    await actingAs({ actor: "test setup", requestId: "", source: "", route: "test" }, async () => {
      const admin = (await db.user.findUniqueOrThrow({ where: { name: "admin" } })).id;
      const viewer = await createUser(db, { name: "vera", passwordHash: hash, role: "viewer", namespaces: [] });
      const operator = await createUser(db, { name: "oscar", passwordHash: hash, role: "operator", namespaces: [] });
      const limited = await createUser(db, { name: "lena", passwordHash: hash, role: "operator", namespaces: ["default"] });
      const make = async (userId: string, name: string, role: "viewer" | "operator" | "admin", namespaces: string[] = [], expiresAt: Date | null = null) => (await createToken(db, { userId, name, role, namespaces, expiresAt })).secret;
      bearer.viewer = await make(viewer.id, "t", "viewer");
      bearer.operator = await make(operator.id, "t", "operator");
      bearer.admin = await make(admin, "t", "admin");
      bearer.limited = await make(limited.id, "t", "operator", ["default"]);
      bearer.expired = await make(operator.id, "old", "operator", [], new Date(Date.now() - 1000));
      bearer.revoked = await make(operator.id, "gone", "operator");
      const gone = await db.apiToken.findFirstOrThrow({ where: { name: "gone" } });
      await db.apiToken.update({ where: { id: gone.id }, data: { revokedAt: new Date() } });
    });
  }, 120_000);

  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("every route has an expected access", () => {
    const found = cases.map((c) => `${c.method} ${c.template}`).sort();
    expect(found).toEqual(Object.keys(EXPECTED).sort());
  });

  it("each caller gets exactly what its role allows; every refusal is 401/403 and writes nothing", { timeout: 120_000 }, async () => {
    const callers: Caller[] = ["nobody", "revoked", "expired", "viewer", "limited", "operator", "admin"];
    const outcomes: string[] = [];
    for (const c of cases) {
      const key = `${c.method} ${c.template}`;
      const need = EXPECTED[key]!;
      for (const who of callers) {
        const headers: Record<string, string> = { "content-type": "application/json", host: "sextant.test", ...(bearer[who] ? { authorization: `Bearer ${bearer[who]}` } : {}) };
        const hasBody = c.method !== "GET" && c.method !== "DELETE";
        const url = `http://sextant.test${c.template.replace(/\[(\w+)\]/g, "00000000-0000-4000-8000-000000000000")}`;
        const before = await storeState();
        const res = await c.handler(new Request(url, { method: c.method, headers, ...(hasBody ? { body: "{}" } : {}) }), { params: Promise.resolve(Object.fromEntries(c.params.map((p) => [p, "00000000-0000-4000-8000-000000000000"]))) });
        const body = await res.text();
        const mayByRole = need === "public" || (ROLE_RANK[who] !== undefined && ROLE_RANK[who]! >= RANK[need]);
        // A namespace-limited operator may not use writes that span namespaces; its namespaced writes are checked by the handler.
        const wrapperRefused = (res.status === 401 || res.status === 403) && !/setup link/.test(body);
        outcomes.push(`${key} ${who} ${res.status}`);
        if (!mayByRole) {
          expect(res.status, `${key} as ${who}: ${body.slice(0, 200)}`).toBe(ROLE_RANK[who] === undefined ? 401 : 403);
          expect(await storeState(), `${key} as ${who} was refused but changed the store`).toBe(before);
        } else if (who === "limited" && need !== "public" && wrapperRefused) {
          // A namespace-limited identity: refused only for reaching beyond its namespaces, and nothing written.
          expect(res.status, `${key} as ${who}: ${body.slice(0, 200)}`).toBe(403);
          expect(body).toMatch(/limited to (namespaces )?default/);
          expect(await storeState()).toBe(before);
        } else {
          expect(wrapperRefused, `${key} as ${who} should pass: ${res.status} ${body.slice(0, 200)}`).toBe(false);
        }
      }
    }
    // The table has teeth: refusals and admissions both happened.
    expect(outcomes.filter((o) => / 40[13]$/.test(o)).length).toBeGreaterThan(100);
  });

  it("a session: sign in, cookies flagged, cross-site and token-less writes refused, sign out ends it on the server", async () => {
    const { POST: login } = await import("./auth/login/route");
    const { POST: logout } = await import("./auth/logout/route");
    const { GET: me } = await import("./auth/me/route");
    const { PUT: apply } = await import("./intents/route");
    const res = await login(json("POST", "/api/auth/login", { name: "oscar", password: PASSWORD }));
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith("sextant_session="))).toMatch(/HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect(cookies.find((c) => c.startsWith("sextant_csrf="))).not.toMatch(/HttpOnly/);
    const session = /sextant_session=([^;]+)/.exec(cookies.join("\n"))![1]!;
    const csrf = /sextant_csrf=([^;]+)/.exec(cookies.join("\n"))![1]!;
    const cookie = `sextant_session=${session}; sextant_csrf=${csrf}`;
    expect((await (await me(new Request("http://sextant.test/api/auth/me", { headers: { cookie } }))).json()).user).toMatchObject({ name: "oscar", role: "operator" });

    const intent = { kind: "traffic-shift", namespace: "default", target: "details", spec: { weights: [{ subset: "v1", weight: 100 }] } };
    const before = await storeState();
    // With the session cookie but no CSRF token, or from another site: refused, nothing written.
    expect((await apply(json("PUT", "/api/intents", { intent, expectedRevision: 0 }, { cookie }))).status).toBe(403);
    expect((await apply(json("PUT", "/api/intents", { intent, expectedRevision: 0 }, { cookie, "x-csrf-token": csrf, origin: "https://evil.example" }))).status).toBe(403);
    expect((await apply(json("PUT", "/api/intents", { intent, expectedRevision: 0 }, { cookie, "x-csrf-token": csrf, "sec-fetch-site": "cross-site" }))).status).toBe(403);
    expect(await storeState()).toBe(before);
    // Same origin with the token: applied, authored by the user, audited in the same write.
    const ok = await apply(json("PUT", "/api/intents", { intent, expectedRevision: 0, message: "pin details" }, { cookie, "x-csrf-token": csrf, origin: "http://sextant.test", "x-forwarded-for": "10.1.2.3" }));
    expect(ok.status).toBe(200);
    const applied = await ok.json();
    const db = (await getRuntime()).store.get().prisma;
    expect((await db.intentRevision.findFirstOrThrow({ where: { intentId: applied.intent.id, number: 1 } })).author).toBe("oscar");
    const [entry] = await listAudit(db, { limit: 1 });
    expect(entry).toMatchObject({ actor: "oscar", action: "intent.create", resource: "traffic-shift default/details r1", source: "10.1.2.3", requestId: ok.headers.get("x-request-id") });
    expect((entry!.details as { diff: string }).diff).toContain("+  - subset: v1");

    // Sign out: the same cookie no longer works.
    expect((await logout(new Request("http://sextant.test/api/auth/logout", { method: "POST", headers: { cookie, "x-csrf-token": csrf } }))).status).toBe(200);
    expect((await me(new Request("http://sextant.test/api/auth/me", { headers: { cookie } }))).status).toBe(200);
    expect((await (await me(new Request("http://sextant.test/api/auth/me", { headers: { cookie } }))).json()).user).toBeNull();
    const { GET: intents } = await import("./intents/route");
    expect((await intents(new Request("http://sextant.test/api/intents", { headers: { cookie } }))).status).toBe(401);
  });

  it("sign-in is throttled per user after 5 failures, even with the right password then", async () => {
    const { POST: login } = await import("./auth/login/route");
    for (let i = 0; i < 5; i++) expect((await login(json("POST", "/api/auth/login", { name: "vera", password: `wrong ${i}` }, { "x-forwarded-for": `10.9.0.${i}` }))).status).toBe(401);
    const blocked = await login(json("POST", "/api/auth/login", { name: "vera", password: PASSWORD }, { "x-forwarded-for": "10.9.0.99" }));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another user from a fresh address is not affected.
    expect((await login(json("POST", "/api/auth/login", { name: "oscar", password: PASSWORD }, { "x-forwarded-for": "10.9.1.1" }))).status).toBe(200);
  });

  it("a namespace-limited operator changes its namespace only", async () => {
    const { PUT: apply } = await import("./intents/route");
    const auth = { authorization: `Bearer ${bearer.limited}` };
    const intent = (namespace: string) => ({ kind: "traffic-shift", namespace, target: "ratings", spec: { weights: [{ subset: "v1", weight: 100 }] } });
    const before = await storeState();
    const refused = await apply(json("PUT", "/api/intents", { intent: intent("bookinfo"), expectedRevision: 0 }, auth));
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toContain("limited to default");
    expect(await storeState()).toBe(before);
    expect((await apply(json("PUT", "/api/intents", { intent: intent("default"), expectedRevision: 0 }, auth))).status).toBe(200);
  });

  it("an admin creates a token; it works until revoked, then it is refused", async () => {
    const { POST: create } = await import("./tokens/route");
    const { DELETE: revoke } = await import("./tokens/[id]/route");
    const { GET: intents } = await import("./intents/route");
    const made = await create(json("POST", "/api/tokens", { name: "ci", role: "viewer", expiresInDays: 7 }, { authorization: `Bearer ${bearer.admin}` }));
    expect(made.status).toBe(201);
    const { token, secret } = await made.json();
    expect(secret).toMatch(/^sxt_/);
    const read = () => intents(new Request("http://sextant.test/api/intents", { headers: { authorization: `Bearer ${secret}` } }));
    expect((await read()).status).toBe(200);
    const { GET: list } = await import("./tokens/route");
    const listed = await (await list(new Request("http://sextant.test/api/tokens", { headers: { authorization: `Bearer ${bearer.admin}` } }))).text();
    expect(listed).not.toContain(secret);
    expect(JSON.parse(listed).tokens.find((t: { id: string }) => t.id === token.id).lastUsedAt).not.toBeNull();
    expect((await revoke(new Request(`http://sextant.test/api/tokens/${token.id}`, { method: "DELETE", headers: { authorization: `Bearer ${bearer.admin}` } }), { params: Promise.resolve({ id: token.id }) })).status).toBe(200);
    const after = await read();
    expect(after.status).toBe(401);
    expect((await after.json()).error.message).toContain("revoked");
  });

  it("a session survives a restart (sessions are stored), and ends when its user is disabled", async () => {
    const { POST: login } = await import("./auth/login/route");
    const { GET: me } = await import("./auth/me/route");
    const res = await login(json("POST", "/api/auth/login", { name: "lena", password: PASSWORD }, { "x-forwarded-for": "10.7.0.1" }));
    expect(res.status).toBe(200);
    const cookie = `sextant_session=${/sextant_session=([^;]+)/.exec(res.headers.getSetCookie().join("\n"))![1]}`;
    await stopRuntime();
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error", SEXTANT_AUTH: "local", SEXTANT_ADMIN_PASSWORD: PASSWORD });
    const who = async () => (await (await me(new Request("http://sextant.test/api/auth/me", { headers: { cookie } }))).json()).user;
    expect(await who()).toMatchObject({ name: "lena", role: "operator", namespaces: ["default"] });
    const { PUT: update } = await import("./users/[id]/route");
    const db = (await getRuntime()).store.get().prisma;
    const lena = await db.user.findUniqueOrThrow({ where: { name: "lena" } });
    const off = await update(json("PUT", `/api/users/${lena.id}`, { disabled: true }, { authorization: `Bearer ${bearer.admin}` }), { params: Promise.resolve({ id: lena.id }) });
    expect(off.status).toBe(200);
    expect(await who()).toBeNull();
    // The last admin cannot be demoted (nobody could manage users after).
    const admin = await db.user.findUniqueOrThrow({ where: { name: "admin" } });
    const demote = await update(json("PUT", `/api/users/${admin.id}`, { role: "viewer" }, { authorization: `Bearer ${bearer.admin}` }), { params: Promise.resolve({ id: admin.id }) });
    expect(demote.status).toBe(409);
    expect((await demote.json()).error.message).toContain("last admin");
  }, 60_000);

  it("a viewer limited to a namespace reads only that namespace: lists filtered, the rest refused", async () => {
    const db = (await getRuntime()).store.get().prisma;
    const secret = await actingAs({ actor: "test setup", requestId: "", source: "", route: "test" }, async () => {
      const nina = await createUser(db, { name: "nina", passwordHash: await hashPassword(PASSWORD), role: "viewer", namespaces: ["bookinfo"] });
      return (await createToken(db, { userId: nina.id, name: "t", role: "viewer", namespaces: ["bookinfo"], expiresAt: null })).secret;
    });
    const get = async (url: string, params: Record<string, string> = {}) => {
      const c = cases.find((x) => x.method === "GET" && new RegExp(`^${x.template.replace(/\[\w+\]/g, "[^/]+")}$`).test(url.split("?")[0]!))!;
      const res = await c.handler(new Request(`http://sextant.test${url}`, { headers: { authorization: `Bearer ${secret}` } }), { params: Promise.resolve(params) });
      return { status: res.status, body: await res.json() };
    };
    // The demo mesh is all in "default": nothing of it is visible.
    const services = await get("/api/services");
    expect(services.status).toBe(200);
    expect(JSON.stringify(services.body)).not.toContain('"namespace":"default"');
    expect((await get("/api/services?namespace=default")).status).toBe(403);
    expect((await get("/api/intents")).body.intents).toEqual([]);
    expect((await get("/api/objects")).body.objects).toEqual([]);
    expect((await get("/api/proxies")).body.proxies).toEqual([]);
    expect((await get("/api/graph?namespace=default")).status).toBe(403);
    expect((await get("/api/services/default/reviews/metrics", { namespace: "default", name: "reviews" })).status).toBe(403);
    expect((await get("/api/gitops/export")).status).toBe(403);
    const audit = (await get("/api/audit")).body.entries as { resource: string }[];
    expect(audit.filter((e) => / default\//.test(e.resource))).toEqual([]);
    // The same reads as an unlimited viewer see "default".
    const vera = { authorization: `Bearer ${bearer.viewer}` };
    // The audit log pages: `next` is where the older page starts, null on the last one; pages do not overlap.
    const auditCase = cases.find((x) => x.method === "GET" && x.template === "/api/audit")!;
    const page = async (q: string) => (await (await auditCase.handler(new Request(`http://sextant.test/api/audit?${q}`, { headers: vera }))).json()) as { entries: { id: string }[]; next: string | null };
    const all = await page("limit=1000");
    expect(all.entries.length).toBeGreaterThan(3);
    const p1 = await page("limit=2");
    expect(p1.next).toBe(p1.entries[1]!.id);
    const p2 = await page(`limit=2&before=${p1.next}`);
    expect([...p1.entries, ...p2.entries].map((e) => e.id)).toEqual(all.entries.slice(0, 4).map((e) => e.id));
    expect((await page(`before=${all.entries.at(-1)!.id}`)).entries).toEqual([]);
    expect(all.next).toBeNull();
    const c = cases.find((x) => x.method === "GET" && x.template === "/api/intents")!;
    expect(((await (await c.handler(new Request("http://sextant.test/api/intents", { headers: vera }))).json()).intents as unknown[]).length).toBeGreaterThan(0);
  });
});
