import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { TooManyRequestsError, UnauthorizedError, isDomainError } from "../errors";
import type { Logger } from "../log";
import type { PrismaClient } from "../store/generated/client.ts";
import { TOKEN_PREFIX, type RoleName, countUsers, createSession, createUser, endSession, findUserByName, liveSession, liveToken } from "../store/identities";
import type { KubeIdentity } from "./kube-login";
import type { OidcClient } from "./oidc";
import { hashPassword, verifyPassword } from "./passwords";
import type { AuthMode } from "./policy";
import { ANONYMOUS_ADMIN, type Principal } from "./principal";
import { dbFailureLog } from "../store/signin-failures";
import { addSetupLink, clearSetupLinks, setupLinks } from "../store/setup-links";
import { LoginThrottle } from "./throttle";

/**
 * Who a request comes from: the anonymous admin (anonymous mode), an API token
 * (`Authorization: Bearer sxt_...`), or a session cookie from signing in. Sign-in checks the
 * password (scrypt), limited per user and per address; sessions end on sign-out, after idle
 * time and at an absolute limit, and survive restarts (they are stored).
 */
export const SESSION_COOKIE = "sextant_session";
export const CSRF_COOKIE = "sextant_csrf";

export interface AuthOptions {
  mode: AuthMode;
  /** Sign-in with the operator's OpenID Provider, when configured. */
  oidc?: OidcClient;
  /** Sign-in with a Kubernetes bearer token, when configured: who the cluster says it is, and what it may write. */
  kubeLogin?: (token: string) => Promise<KubeIdentity>;
  db: () => PrismaClient;
  adminPassword: string | undefined;
  sessionIdleMs: number;
  sessionMaxMs: number;
  log: Logger;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** A scrypt hash of nothing anyone knows: sign-in for an unknown user costs the same time. */
let decoy: Promise<string> | undefined;

export class Auth {
  /** Failed sign-ins are kept in the database: every replica counts the same failures. */
  readonly throttle: LoginThrottle;

  constructor(private readonly o: AuthOptions) {
    this.throttle = new LoginThrottle(dbFailureLog(o.db));
  }

  get mode(): AuthMode {
    return this.o.mode;
  }

  /**
   * The first admin: from SEXTANT_ADMIN_PASSWORD, or a one-time setup link in the log. Each
   * replica prints its own link and keeps its secret's hash in the database, so a link works on
   * whichever replica the browser reaches; the first use ends them all.
   */
  async init(): Promise<void> {
    if (this.o.mode === "anonymous") return;
    const db = this.o.db();
    if ((await countUsers(db)) > 0) return;
    if (this.o.adminPassword) {
      await createUser(db, { name: "admin", passwordHash: await hashPassword(this.o.adminPassword), role: "admin", namespaces: [] });
      this.o.log.info("created the first admin user (admin) from SEXTANT_ADMIN_PASSWORD");
      return;
    }
    const secret = randomBytes(24).toString("base64url");
    await addSetupLink(db, sha256(secret));
    this.o.log.warn(`no users yet: open /setup?token=${secret} to create the first admin (the link works once)`);
  }

  /** Whether the first admin may still be created with this setup secret. */
  async checkSetup(secret: string): Promise<boolean> {
    const db = this.o.db();
    if ((await countUsers(db)) > 0) return false;
    const given = Buffer.from(sha256(secret), "hex");
    return (await setupLinks(db)).some((h) => timingSafeEqual(Buffer.from(h, "hex"), given));
  }

  /** The first admin exists: every replica's link stops working. */
  endSetup(): Promise<void> {
    return clearSetupLinks(this.o.db());
  }

  /** Whether a setup link waits to be used (no user yet). */
  async setupPending(): Promise<boolean> {
    const db = this.o.db();
    return (await countUsers(db)) === 0 && (await setupLinks(db)).length > 0;
  }

  /** The principal, or null when the request carries no identity (UnauthorizedError when it carries a bad one). */
  async authenticate(request: Request): Promise<Principal | null> {
    if (this.o.mode === "anonymous") return ANONYMOUS_ADMIN;
    const db = this.o.db();
    const auth = request.headers.get("authorization");
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m || !m[1]!.startsWith(TOKEN_PREFIX)) throw new UnauthorizedError("the Authorization header must be `Bearer sxt_...` (an API token)");
      const t = await liveToken(db, m[1]!);
      if (t.state !== "live") throw new UnauthorizedError(t.state === "unknown" ? "the API token is not known" : `the API token is ${t.state === "disabled" ? "owned by a disabled user" : t.state}`);
      const tok = t.token;
      return { kind: "token", name: `token ${tok.name} (${tok.user.name})`, role: tok.role as RoleName, namespaces: tok.namespaces.length ? [...tok.namespaces].sort() : null, userId: tok.userId, tokenId: tok.id };
    }
    const cookie = cookieValue(request, SESSION_COOKIE);
    if (!cookie) return null;
    const s = await liveSession(db, cookie, this.o.sessionIdleMs);
    if (!s) throw new UnauthorizedError("the session has ended (signed out, timed out or the user was disabled); sign in again");
    // Sessions without a local user name where the identity came from: "alice (oidc)", "ops (kubernetes)".
    const kind = s.userId ? "user" : s.subject.endsWith("(kubernetes)") ? "kubernetes" : "oidc";
    return { kind, name: s.user?.name ?? s.subject, role: s.role, namespaces: s.namespaces.length ? [...s.namespaces].sort() : null, ...(s.userId ? { userId: s.userId } : {}), csrf: s.csrf };
  }

  /** Checks a password and starts a session; refuses (429) after repeated failures for the user or the address. */
  async signIn(name: string, password: string, source: string): Promise<{ cookie: string; csrf: string; expiresAt: Date; user: { name: string; role: RoleName } }> {
    const keys = [`user:${name.toLowerCase()}`, `addr:${source}`];
    const wait = await this.throttle.retryAfter(keys);
    if (wait > 0) throw new TooManyRequestsError(`too many failed sign-ins; try again in ${wait} s`, wait);
    const db = this.o.db();
    const user = await findUserByName(db, name);
    const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyPassword(password, await (decoy ??= hashPassword(randomBytes(16).toString("hex"))));
    if (!user || !ok || user.disabled) {
      await this.throttle.fail(keys);
      this.o.log.warn("sign-in refused", { user: name, source, reason: !user ? "unknown user" : user.disabled ? "disabled" : "wrong password" });
      throw new UnauthorizedError("wrong user name or password");
    }
    await this.throttle.succeed(keys[0]!);
    const s = await createSession(db, { userId: user.id, subject: user.name, role: user.role as RoleName, namespaces: user.namespaces, absoluteMs: this.o.sessionMaxMs });
    this.o.log.info("signed in", { user: user.name, source });
    return { ...s, user: { name: user.name, role: user.role as RoleName } };
  }

  async signOut(request: Request): Promise<void> {
    const cookie = cookieValue(request, SESSION_COOKIE);
    if (cookie) await endSession(this.o.db(), cookie);
  }

  get sessionMaxMs(): number {
    return this.o.sessionMaxMs;
  }

  get oidc(): OidcClient | undefined {
    return this.o.oidc;
  }

  get kubeLogin(): boolean {
    return this.o.kubeLogin !== undefined;
  }

  /** A session for the owner of a Kubernetes token (the token itself is not kept); throttled like passwords. */
  async signInKube(token: string, source: string): Promise<{ cookie: string; csrf: string; expiresAt: Date; user: { name: string; role: RoleName; namespaces: string[] | null } }> {
    if (!this.o.kubeLogin) throw new UnauthorizedError("sign-in with a Kubernetes token is not configured (SEXTANT_KUBE_TOKEN_LOGIN)");
    const keys = [`addr:${source}`];
    const wait = await this.throttle.retryAfter(keys);
    if (wait > 0) throw new TooManyRequestsError(`too many failed sign-ins; try again in ${wait} s`, wait);
    let who: KubeIdentity;
    try {
      who = await this.o.kubeLogin(token);
    } catch (e) {
      if (isDomainError(e) && e.code === "unauthorized") await this.throttle.fail(keys);
      throw e;
    }
    const name = `${who.username} (kubernetes)`;
    const s = await createSession(this.o.db(), { userId: null, subject: name, role: who.role, namespaces: who.namespaces ?? [], absoluteMs: this.o.sessionMaxMs });
    this.o.log.info("signed in with a Kubernetes token", { user: name, role: who.role, namespaces: who.namespaces ?? "all", source });
    return { ...s, user: { name, role: who.role, namespaces: who.namespaces } };
  }

  /** A session for someone the OpenID Provider vouched for (no local user; role from the claims, fixed until it ends). */
  async signInOidc(subject: string, role: RoleName, source: string): Promise<{ cookie: string; csrf: string; expiresAt: Date }> {
    const s = await createSession(this.o.db(), { userId: null, subject, role, namespaces: [], absoluteMs: this.o.sessionMaxMs });
    this.o.log.info("signed in with OpenID Connect", { user: subject, role, source });
    return s;
  }
}

export function cookieValue(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{10,100}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}
