import http from "node:http";
import type { AddressInfo } from "node:net";
import { type JWK, SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from "jose";
import Provider from "oidc-provider";

/**
 * A real OpenID Provider for tests (panva's oidc-provider, certified by the OpenID Foundation) on
 * loopback. Sign-in at the provider is automatic: the interaction logs in the account the test
 * chose (`nextAccount`) and grants what was asked. In front of it sits a small proxy, the issuer
 * URL the client sees, that can re-sign the token endpoint's ID token with changed claims, as a
 * provider misconfigured for another client (wrong audience) or a replayed old token (expired)
 * would present it, using the provider's own signing key.
 */
export interface TestOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who signs in next, and their groups. */
  nextAccount: string;
  /** Changes the next ID token's claims (once). */
  tamper?: (claims: Record<string, unknown>) => Record<string, unknown>;
  close(): Promise<void>;
}

const GROUPS: Record<string, string[]> = { alice: ["mesh-ops", "staff"], bob: ["staff"], carol: ["mesh-admins"] };

export async function startTestOp(redirectUri: string): Promise<TestOp> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: "test-key", alg: "RS256", use: "sig" };
  const front = http.createServer();
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  const op: TestOp = { issuer, clientId: "sextant", clientSecret: "a-client-secret-for-tests", nextAccount: "alice", close: async () => undefined };
  const provider = new Provider(issuer, {
    clients: [{ client_id: op.clientId, client_secret: op.clientSecret, redirect_uris: [redirectUri], response_types: ["code"], grant_types: ["authorization_code"], token_endpoint_auth_method: "client_secret_post" }],
    jwks: { keys: [jwk] },
    cookies: { keys: ["test-cookie-key"] },
    pkce: { required: () => true },
    scopes: ["openid", "profile", "email", "groups"],
    claims: { openid: ["sub"], profile: ["preferred_username"], email: ["email"], groups: ["groups"] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, preferred_username: id, email: `${id}@example.com`, groups: GROUPS[id] ?? [] }) }),
  });
  const back = http.createServer(async (req, res) => {
    const m = /^\/interaction\/([^/?]+)/.exec(req.url ?? "");
    if (!m) return provider.callback()(req, res);
    // The provider asks who signs in and what they grant: the test's account, everything asked.
    const details = await provider.interactionDetails(req, res);
    const grant = new provider.Grant({ accountId: op.nextAccount, clientId: op.clientId });
    grant.addOIDCScope(String(details.params.scope ?? "openid"));
    grant.addOIDCClaims(["preferred_username", "email", "groups"]);
    await provider.interactionFinished(req, res, { login: { accountId: op.nextAccount }, consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: false });
  });
  await new Promise<void>((r) => back.listen(0, "127.0.0.1", r));
  const backPort = (back.address() as AddressInfo).port;
  const key = await importJWK(jwk, "RS256");
  front.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const up = http.request({ host: "127.0.0.1", port: backPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on("data", (c: Buffer) => out.push(c));
        upRes.on("end", async () => {
          let body = Buffer.concat(out);
          const tamper = op.tamper;
          if (tamper && req.url?.startsWith("/token") && upRes.statusCode === 200) {
            op.tamper = undefined;
            const tokens = JSON.parse(body.toString()) as { id_token: string };
            const claims = tamper(decodeJwt(tokens.id_token) as Record<string, unknown>);
            tokens.id_token = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "test-key", typ: "JWT" }).sign(key);
            body = Buffer.from(JSON.stringify(tokens));
          }
          const headers = { ...upRes.headers, "content-length": String(body.length) };
          res.writeHead(upRes.statusCode ?? 502, headers);
          res.end(body);
        });
      });
      up.on("error", () => res.writeHead(502).end());
      up.end(Buffer.concat(chunks));
    });
  });
  op.close = async () => {
    await new Promise((r) => front.close(r));
    await new Promise((r) => back.close(r));
  };
  return op;
}

/** Follows a browser's redirects through the provider (keeping its cookies) until it points back to `redirectUri`. */
export async function browseToCallback(start: string, redirectUri: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 12; hop++) {
    if (url.startsWith(redirectUri)) return new URL(url);
    const res = await fetch(url, { redirect: "manual", headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const next = res.headers.get("location");
    if (!next) throw new Error(`the provider stopped at ${url} with ${res.status}: ${(await res.text()).slice(0, 300)}`);
    url = new URL(next, url).href;
  }
  throw new Error("too many redirects");
}
