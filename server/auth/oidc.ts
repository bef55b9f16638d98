import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as oidc from "openid-client";
import { ForbiddenError, UnauthorizedError, UnavailableError } from "../errors";
import { ROLES, type Role } from "./principal";

/**
 * Sign-in with the operator's OpenID Provider: the authorization code flow with PKCE, state and
 * nonce, through openid-client (which checks the ID token's issuer, audience, expiry, nonce and
 * signature). The flow's secrets travel in a short-lived HMAC-signed cookie, so any replica can
 * finish a sign-in another started (given the same SEXTANT_SECRET_KEY). A configured claim
 * (`groups` by default) maps to a role.
 */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  roleClaim: string;
  /** Claim value -> role; the highest role any value maps to wins. */
  roles: Record<string, Role>;
  nameClaim: string;
  /** Where browsers reach Sextant (the redirect URI is <publicUrl>/api/auth/oidc/callback). */
  publicUrl: string;
  /** When Sextant's clock is off from the provider's, in seconds (openid-client's clockSkew). */
  clockSkewSeconds: number;
}

export const FLOW_COOKIE = "sextant_oidc";
const FLOW_TTL_MS = 10 * 60_000;

interface Flow {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
  exp: number;
}

/** The highest role the claim's values map to (a string or a list of strings); undefined: none. */
export function roleFromClaims(claims: Record<string, unknown>, claim: string, roles: Record<string, Role>): Role | undefined {
  const raw = claims[claim];
  const values = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === "string") : typeof raw === "string" ? [raw] : [];
  let best: Role | undefined;
  for (const v of values) {
    const r = roles[v];
    if (r && (!best || ROLES.indexOf(r) > ROLES.indexOf(best))) best = r;
  }
  return best;
}

/** Only a path on this site: never an absolute URL (no open redirect). */
export function safeReturn(to: string | undefined): string {
  return to && /^\/(?![/\\])[\x21-\x7e]*$/.test(to) ? to : "/";
}

export class OidcClient {
  private config: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly key: Buffer = randomBytes(32),
  ) {}

  get redirectUri(): string {
    return `${this.settings.publicUrl.replace(/\/$/, "")}/api/auth/oidc/callback`;
  }

  private configuration(): Promise<oidc.Configuration> {
    const s = this.settings;
    const issuer = new URL(s.issuer);
    const insecure = issuer.protocol === "http:" && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(issuer.hostname);
    this.config ??= oidc
      .discovery(issuer, s.clientId, { client_secret: s.clientSecret, [oidc.clockSkew]: s.clockSkewSeconds }, oidc.ClientSecretPost(s.clientSecret), insecure ? { execute: [oidc.allowInsecureRequests] } : undefined)
      .catch((e: unknown) => {
        this.config = undefined; // tried again at the next sign-in
        throw new UnavailableError("the OpenID Provider", `${s.issuer}: ${e instanceof Error ? e.message : String(e)}`);
      });
    return this.config;
  }

  private seal(flow: Flow): string {
    const body = Buffer.from(JSON.stringify(flow)).toString("base64url");
    return `${body}.${createHmac("sha256", this.key).update(body).digest("base64url")}`;
  }

  private open(cookie: string | undefined): Flow {
    const [body, mac] = (cookie ?? "").split(".");
    if (!body || !mac) throw new UnauthorizedError("sign-in with the identity provider was not started here (no sign-in cookie); start again");
    const want = createHmac("sha256", this.key).update(body).digest();
    const got = Buffer.from(mac, "base64url");
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new UnauthorizedError("the sign-in cookie is not Sextant's; start again");
    const flow = JSON.parse(Buffer.from(body, "base64url").toString()) as Flow;
    if (flow.exp < Date.now()) throw new UnauthorizedError("the sign-in took longer than 10 minutes; start again");
    return flow;
  }

  /** Where to send the browser, and the cookie that carries the flow's secrets. */
  async start(returnTo: string | undefined): Promise<{ url: string; cookie: string }> {
    const config = await this.configuration();
    const flow: Flow = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce(), returnTo: safeReturn(returnTo), exp: Date.now() + FLOW_TTL_MS };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: "S256",
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url: url.href, cookie: this.seal(flow) };
  }

  /** Checks the provider's answer (state, code, ID token) and says who signed in, as what. */
  async finish(callback: URL, cookie: string | undefined): Promise<{ subject: string; role: Role; returnTo: string }> {
    const flow = this.open(cookie);
    const config = await this.configuration();
    // The callback as the provider addressed it (behind a proxy the request's own URL differs).
    const current = new URL(this.redirectUri);
    current.search = callback.search;
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (e) {
      // openid-client wraps the precise reason (which claim, which check) as the cause.
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
      throw new UnauthorizedError(`sign-in with ${this.settings.issuer} was refused: ${e instanceof Error ? e.message : String(e)}${cause}`);
    }
    const role = roleFromClaims(claims, this.settings.roleClaim, this.settings.roles);
    const name = [claims[this.settings.nameClaim], claims.email, claims.sub].find((v): v is string => typeof v === "string" && v.length > 0) ?? "unknown";
    if (!role) throw new ForbiddenError(`${name} signed in, but no value of the ${this.settings.roleClaim} claim maps to a role in Sextant (SEXTANT_OIDC_ROLES)`);
    return { subject: `${name} (oidc)`, role, returnTo: flow.returnTo };
  }
}
