import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { type TestOp, browseToCallback, startTestOp } from "@/server/testing/oidc-op";
import { GET as callback } from "./auth/oidc/callback/route";
import { GET as login } from "./auth/oidc/login/route";
import { GET as me } from "./auth/me/route";
import { GET as intents } from "./intents/route";

/**
 * Sign-in with a real OpenID Provider (panva's oidc-provider) on loopback: the authorization code
 * flow with PKCE end to end, groups mapped to roles; a wrong audience, an expired ID token, a
 * state that does not match, and a user whose groups map to no role are all refused, with no
 * session.
 */
const PUBLIC = "http://127.0.0.1:3999";
const REDIRECT = `${PUBLIC}/api/auth/oidc/callback`;

describe("sign-in with OpenID Connect", () => {
  let dir: string;
  let op: TestOp;

  /** The browser's round trip: Sextant -> provider (signs in) -> back to Sextant's callback. */
  async function signIn(opts: { editCallback?: (u: URL) => void } = {}) {
    const start = await login(new Request(`${PUBLIC}/api/auth/oidc/login?return=/services`));
    expect(start.status).toBe(302);
    const flow = /sextant_oidc=([^;]+)/.exec(start.headers.getSetCookie().join("\n"))![1]!;
    const back = await browseToCallback(start.headers.get("location")!, REDIRECT);
    opts.editCallback?.(back);
    const res = await callback(new Request(back.href, { headers: { cookie: `sextant_oidc=${flow}` } }));
    const session = /sextant_session=([^;]+)/.exec(res.headers.getSetCookie().join("\n"))?.[1];
    return { res, session: session || undefined, location: res.headers.get("location") ?? "" };
  }
  const whoIs = async (session: string | undefined) => (await (await me(new Request(`${PUBLIC}/api/auth/me`, { headers: { cookie: `sextant_session=${session}` } }))).json()).user;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-oidc-"));
    op = await startTestOp(REDIRECT);
    await startRuntime({
      SEXTANT_DATA_DIR: dir,
      SEXTANT_XDS_PORT: "0",
      SEXTANT_DEMO_METRICS_PORT: "0",
      SEXTANT_LOG_LEVEL: "error",
      SEXTANT_OIDC_ISSUER: op.issuer,
      SEXTANT_OIDC_CLIENT_ID: op.clientId,
      SEXTANT_OIDC_CLIENT_SECRET: op.clientSecret,
      SEXTANT_OIDC_SCOPES: "openid profile email groups",
      SEXTANT_OIDC_ROLES: JSON.stringify({ "mesh-ops": "operator", "mesh-admins": "admin" }),
      SEXTANT_PUBLIC_URL: PUBLIC,
    });
  }, 60_000);

  afterAll(async () => {
    await stopRuntime();
    await op.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("signs in through the provider; the groups claim gives the role; the session works for the API", async () => {
    op.nextAccount = "alice";
    const { res, session, location } = await signIn();
    expect(res.status).toBe(303);
    expect(location).toBe("/services");
    expect(await whoIs(session)).toMatchObject({ name: "alice (oidc)", kind: "oidc", role: "operator" });
    expect((await intents(new Request(`${PUBLIC}/api/intents`, { headers: { cookie: `sextant_session=${session}` } }))).status).toBe(200);
    // The sign-in form offers the provider.
    expect((await (await me(new Request(`${PUBLIC}/api/auth/me`))).json()).oidc).toEqual({ issuer: op.issuer });
  });

  it("an ID token for another audience is refused: no session", async () => {
    op.nextAccount = "alice";
    op.tamper = (c) => ({ ...c, aud: "some-other-client" });
    const { res, session, location } = await signIn();
    expect(res.status).toBe(303);
    expect(session).toBeUndefined();
    expect(decodeURIComponent(location)).toMatch(/signin_error=.*aud/);
  });

  it("an expired ID token is refused", async () => {
    op.nextAccount = "alice";
    const past = Math.floor(Date.now() / 1000) - 3600;
    op.tamper = (c) => ({ ...c, iat: past - 600, exp: past });
    const { session, location } = await signIn();
    expect(session).toBeUndefined();
    expect(decodeURIComponent(location)).toMatch(/signin_error=.*exp/);
  });

  it("a state that does not match the one Sextant sent is refused (before any code is exchanged)", async () => {
    op.nextAccount = "alice";
    const { session, location } = await signIn({ editCallback: (u) => u.searchParams.set("state", "forged-state") });
    expect(session).toBeUndefined();
    expect(decodeURIComponent(location)).toMatch(/signin_error=.*state/);
  });

  it("a callback without the flow cookie (another browser) is refused", async () => {
    const res = await callback(new Request(`${REDIRECT}?code=abc&state=def`));
    expect(res.headers.getSetCookie().join("")).not.toContain("sextant_session=");
    expect(decodeURIComponent(res.headers.get("location") ?? "")).toContain("not started here");
  });

  it("someone whose groups map to no role is told so, and gets no session", async () => {
    op.nextAccount = "bob";
    const { session, location } = await signIn();
    expect(session).toBeUndefined();
    expect(decodeURIComponent(location)).toContain("no value of the groups claim maps to a role");
    op.nextAccount = "carol";
    expect(await whoIs((await signIn()).session)).toMatchObject({ name: "carol (oidc)", role: "admin" });
  });

  it("the return path is only ever a path on this site", async () => {
    const start = await login(new Request(`${PUBLIC}/api/auth/oidc/login?return=${encodeURIComponent("//evil.example/x")}`));
    const flow = /sextant_oidc=([^;]+)/.exec(start.headers.getSetCookie().join("\n"))![1]!;
    op.nextAccount = "alice";
    const back = await browseToCallback(start.headers.get("location")!, REDIRECT);
    const res = await callback(new Request(back.href, { headers: { cookie: `sextant_oidc=${flow}` } }));
    expect(res.headers.get("location")).toBe("/");
  });
});
