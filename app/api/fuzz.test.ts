import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRuntime, startRuntime, stopRuntime } from "@/server/runtime";
import { loadBookinfo } from "@/server/testing/kube-api/bookinfo";
import { KubeApiDouble } from "@/server/testing/kube-api/server";
import { type RouteCase, apiRoutes as routes, routeFiles } from "@/server/testing/api-routes";

/**
 * Property-based fuzzing of every API route and method, generated from the
 * route files under app/api (a new route is fuzzed without touching this
 * file): random and malformed bodies, queries, headers and path parameters,
 * mixed with hostile values known to break servers (NUL, lone surrogates,
 * integers past int4, lenient numbers such as 0x1 and 1e0, huge durations,
 * YAML alias bombs, deep nesting). Over a real runtime (embedded database,
 * demo mesh). Properties: no 5xx; a rejected request (4xx) changes nothing in
 * the store; integer query parameters accept decimal digits only.
 */
const RUNS = Number(process.env.SEXTANT_FUZZ_RUNS ?? 40);
const CASE_TIMEOUT_MS = 15_000;

// Hostile values, each of which broke (or could break) a server like this one.
const NUL = "a\u0000b";
const SURROGATE = "x\uD800y";
const hostileString = fc.constantFrom("", " ", NUL, SURROGATE, "\uDC00", "0x1", "1e0", "1.0", "+1", " 1", "01", "-1", "2147483648", "9007199254740993", "NaN", "Infinity", "100000000000000000000h", "99999999999h", "../../etc/passwd", "%00", "<script>", "'; drop table intents; --", "a".repeat(600), "ⓤⓝⓘ", "default", "reviews", "v1");
const hostileNumber = fc.constantFrom(0, -1, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 31) - 1, 0.5, 1e308, -0);
const hostileLeaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), fc.string(), fc.integer());
const deep = fc.integer({ min: 60, max: 3000 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown);
const aliasBomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [*${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}]`)].join("\n");

/** A valid value with one leaf (or one subtree) replaced by something hostile. */
function mutate(valid: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(valid, []);
  return fc.tuple(fc.constantFrom(...paths), fc.oneof(hostileLeaf, fc.jsonValue({ maxDepth: 3 }), deep, fc.constant(aliasBomb)), fc.boolean()).map(([p, leaf, addKey]) => {
    const copy = structuredClone(valid) as Record<string | number, unknown>;
    if (p.length === 0) return leaf;
    let at: Record<string | number, unknown> = copy;
    for (const k of p.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
    if (addKey && at && typeof at === "object" && !Array.isArray(at)) at["unknownField"] = leaf;
    else at[p[p.length - 1]!] = leaf;
    return copy;
  });
}

const limiterYaml = fs.readFileSync(path.join(process.cwd(), "server/limiter/testdata/04-average-per-pod.yaml"), "utf8");
const shift = { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 50 }, { subset: "v2", weight: 50 }] } };
const fault = { kind: "fault-injection", namespace: "default", target: "ratings", spec: { match: [{ headers: { "end-user": { exact: "jason" } } }], delay: { fixedDelay: "1s", percentage: 10 } } };
const timeouts = { kind: "timeouts-retries", namespace: "default", target: "details", spec: { timeout: "2s", retries: { attempts: 2, perTryTimeout: "500ms" } } };
const VALID_BODIES: Record<string, unknown[]> = {
  "PUT /api/intents": [{ intent: shift, expectedRevision: 0 }, { intent: fault, expectedRevision: 0 }, { intent: timeouts, expectedRevision: 1 }],
  "POST /api/intents/preview": [{ intent: shift }, { intent: fault }, { intent: timeouts }],
  "POST /api/intents/[id]/rollback": [{ toRevision: 1, expectedRevision: 1 }],
  "PUT /api/limiters": [{ yaml: limiterYaml, expectedRevision: 0 }, { yaml: aliasBomb, expectedRevision: 0 }],
  "POST /api/limiters/preview": [{ yaml: limiterYaml }, { yaml: aliasBomb }],
  "POST /api/cluster/plan": [{}, { namespaces: ["default", "bookinfo"], force: false }],
  "POST /api/gitops/targets": [{ name: "fuzz", url: "/nonexistent/repo.git", branch: "main" }],
  "POST /api/gitops/targets/[id]/commit": [{ base: "" }],
  "PUT /api/gitops/targets/[id]": [{ autoExport: false }],
  "POST /api/gitops/compare": [{ archive: "H4sIAAAAAAAAA2NgGAWjYBSMglEwCkYBAADmbQ2vAAQAAA==" }],
  "PUT /api/cluster/settings": [{ namespace: "bookinfo", autoApply: false }],
  "POST /api/cluster/adopt": [{ kind: "VirtualService", namespace: "bookinfo", name: "reviews" }],
  "POST /api/cluster/apply": [{ fingerprint: "0123456789abcdef" }, { fingerprint: "0123456789abcdef", namespaces: ["default"], force: true }],
  "POST /api/auth/login": [{ name: "admin", password: "not the password" }],
  "POST /api/auth/kube-login": [{ token: "not-a-token-the-double-knows" }],
  "POST /api/auth/setup": [{ token: "guess", name: "admin", password: "a long enough password" }],
  "POST /api/users": [{ name: "fuzz-user", password: "a long enough password", role: "viewer" }, { name: "fuzz-op", password: "a long enough password", role: "operator", namespaces: ["default"] }],
  "PUT /api/users/[id]": [{ role: "viewer" }, { disabled: true }, { password: "another long password" }],
  "POST /api/tokens": [{ name: "ci", role: "operator", expiresInDays: 30 }],
};
const QUERY_KEYS: Record<string, string[]> = {
  "/api/graph": ["graphType", "namespace", "duration", "responseTime", "idleNodes", "injectServiceNodes"],
  "/api/graph/latency": ["kind", "namespace", "node", "source", "target", "duration"],
  "/api/graph/series": ["kind", "namespace", "node", "source", "target", "minutes"],
  "/api/services": ["namespace"],
  "/api/gitops/export": ["format"],
  "/api/intents": ["namespace", "target", "kind"],
  "/api/intents/[id]/diff": ["from", "to"],
  "/api/limiters/[id]": ["expectedRevision"],
  "/api/proxies/[stream]/config": ["type"],
  "/api/auth/oidc/login": ["return"],
  "/api/auth/oidc/callback": ["code", "state", "error", "error_description", "iss"],
  "/api/audit": ["actor", "resource", "action", "since", "until", "before", "limit", "format"],
};

describe("every API route under hostile input", () => {
  let dir: string;
  let cases: RouteCase[];
  const ids: Record<string, string[]> = { id: [], stream: ["1", "2"] };

  /** What a rejected request must not change: every intent/limiter with its revision, and the revision rows. */
  async function storeState(): Promise<string> {
    const db = (await getRuntime()).store.get().prisma;
    const intents = await db.intent.findMany({ select: { id: true, revision: true }, orderBy: { id: "asc" } });
    return JSON.stringify([intents, await db.intentRevision.count(), await db.auditEvent.count(), await db.user.count(), await db.apiToken.count(), await db.gitTarget.count()]);
  }

  // A cluster too (the Kubernetes API test double holding Bookinfo), so the cluster routes do their real work.
  const cluster = new KubeApiDouble();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-fuzz-"));
    await cluster.start();
    loadBookinfo(cluster);
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${cluster.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: double, context: {cluster: c, user: u}}]\ncurrent-context: double\n`);
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error", KUBECONFIG: kubeconfig, SEXTANT_DEMO: "true" });
    cases = await routes();
    // Something to aim at: an intent and a limiter that exist.
    const { PUT: putIntent } = await import("./intents/route");
    const { PUT: putLimiter } = await import("./limiters/route");
    const body = (b: unknown) => ({ method: "PUT", body: JSON.stringify(b), headers: { "content-type": "application/json" } });
    const a = await (await putIntent(new Request("http://x/api/intents", body({ intent: shift, expectedRevision: 0 })))).json();
    const b = await (await putLimiter(new Request("http://x/api/limiters", body({ yaml: limiterYaml, expectedRevision: 0 })))).json();
    ids.id = [a.intent.id, b.id];
  }, 120_000);

  afterAll(async () => {
    await stopRuntime();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("covers every route file", async () => {
    const files = new Set((await routes()).map((c) => c.file));
    expect(files.size).toBe(routeFiles().length);
  });

  it("no route answers 5xx, and a rejected request stores nothing", { timeout: 480_000 }, async () => {
    let executed = 0;
    for (const c of cases) {
      const key = `${c.method} ${c.template}`;
      const param = fc.oneof(fc.constantFrom(...(ids[c.params[0] ?? "id"] ?? ["x"]), "00000000-0000-4000-8000-000000000000", "not-a-uuid", "0x1", "1e0", "2147483648", NUL, SURROGATE), fc.string());
      const queryKey = fc.oneof(fc.constantFrom(...(QUERY_KEYS[c.template] ?? ["x"])), fc.constantFrom("unknown", "__proto__", "constructor"), fc.string({ maxLength: 8 }));
      const query = fc.array(fc.tuple(queryKey, fc.oneof(hostileString, fc.string({ maxLength: 12 }), fc.integer().map(String))), { maxLength: 4 });
      const valid = VALID_BODIES[key] ?? [{}];
      const body = fc.oneof(fc.constantFrom(...valid), ...valid.map(mutate), fc.jsonValue({ maxDepth: 4 }), fc.constant("{not json"), fc.constant(""), deep);
      const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "");
      const printable = hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s));
      const headers = fc.record({
        user: fc.oneof(fc.constant(undefined), printable),
        requestId: fc.oneof(fc.constant(undefined), fc.constantFrom("abc", "a".repeat(300), "<x>")),
        origin: fc.oneof(fc.constant(undefined), fc.constantFrom("http://x", "https://evil.example", "null", "not a url"), printable),
        authorization: fc.oneof(fc.constant(undefined), fc.constantFrom("Bearer sxt_nope", "Bearer", "Basic YTpi", "Bearer sxt_" + "a".repeat(500)), printable),
        cookie: fc.oneof(fc.constant(undefined), fc.constantFrom("sextant_session=abcdefghijklmnop", "sextant_session=", "a=b; sextant_session=%00"), printable),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(param, { minLength: c.params.length, maxLength: c.params.length }), query, body, contentType, headers, async (ps, q, b, type, h) => {
          const url = new URL(`http://x${c.template}`);
          for (const [k, v] of q) url.searchParams.append(k, v);
          const hasBody = c.method !== "GET" && c.method !== "DELETE";
          const init: RequestInit = {
            method: c.method,
            headers: {
              ...(type ? { "content-type": type } : {}),
              ...(h.user !== undefined ? { "x-sextant-user": h.user } : {}),
              ...(h.requestId ? { "x-request-id": h.requestId } : {}),
              ...(h.origin !== undefined ? { origin: h.origin } : {}),
              ...(h.authorization !== undefined ? { authorization: h.authorization } : {}),
              ...(h.cookie !== undefined ? { cookie: h.cookie } : {}),
            },
            ...(hasBody ? { body: typeof b === "string" ? b : JSON.stringify(b) } : {}),
          };
          executed++;
          const before = await storeState();
          const res = await c.handler(new Request(url, init), { params: Promise.resolve(Object.fromEntries(c.params.map((p, i) => [p, ps[i]!]))) });
          const text = await res.text();
          expect(res.status, `${key}?${String(url.searchParams).slice(0, 200)} ${String(init.body ?? "").slice(0, 300)} -> ${text.slice(0, 300)}`).toBeLessThan(500);
          // Every answer is JSON, except downloads, which say what they are.
          if ((res.headers.get("content-type") ?? "").startsWith("application/json")) expect(() => JSON.parse(text)).not.toThrow();
          else expect(res.headers.get("content-disposition"), `${key} answered ${res.headers.get("content-type")}`).toMatch(/^attachment; filename="[\w.-]+"$/);
          if (res.status >= 400) expect(await storeState(), `${key} answered ${res.status} but changed the store`).toBe(before);
        }),
        // Each case is bounded: a request that hangs fails the property (fast-check's timeout) instead of the whole run.
        { numRuns: RUNS, timeout: CASE_TIMEOUT_MS, seed: Number(process.env.SEXTANT_FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
      );
    }
    // Thousands of cases: every route and method, RUNS each (55 x 40 = 2,200 today).
    expect(executed).toBe(cases.length * RUNS);
    console.log(`fuzz: ${executed} cases over ${cases.length} routes and methods`);
  });

  it("integer parameters take decimal digits only: 0x1, 1e0, 1.0, +1, ' 1' are refused, never read as 1", async () => {
    const { GET: diff } = await import("./intents/[id]/diff/route");
    const { DELETE: del } = await import("./limiters/[id]/route");
    const [intentId, limiterId] = ids.id as [string, string];
    for (const v of ["0x1", "1e0", "1.0", "+1", " 1", "01", "2147483648", ""]) {
      const d = await diff(new Request(`http://x/api/intents/${intentId}/diff?from=${encodeURIComponent(v)}&to=1`), { params: Promise.resolve({ id: intentId }) });
      expect(d.status, `from=${v}`).toBe(400);
      const before = await storeState();
      const r = await del(new Request(`http://x/api/limiters/${limiterId}?expectedRevision=${encodeURIComponent(v)}`, { method: "DELETE" }), { params: Promise.resolve({ id: limiterId }) });
      expect(r.status, `expectedRevision=${v}`).toBe(400);
      expect(await storeState()).toBe(before);
    }
  });
});
