import { z } from "zod";
import { namespaceList } from "../mesh/names";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, UnauthorizedError, isDomainError } from "../errors";
import { queryInt } from "../http/inputs";
import { FileReply, NOBODY, Reply, type RouteContext } from "../http/route";
import { listAudit, verifyChain } from "../store/audit";
import { createToken, createUser, getUser, listTokens, listUsers, otherActiveAdmins, revokeToken, updateUser } from "../store/identities";
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword } from "./passwords";
import { ROLES } from "./principal";
import { FLOW_COOKIE, type OidcClient } from "./oidc";
import { CSRF_COOKIE, SESSION_COOKIE } from "./service";

/** Sign-in, sign-out, who am I, first-admin setup, users, API tokens and the audit log. */
const userName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, "must be 1-64 letters, digits, . _ @ - (starting with a letter or digit)");
const password = z.string().min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);
const role = z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` });
const namespaces = namespaceList();

export const loginBody = z.strictObject({ name: z.string().min(1, "required").max(64), password: z.string().min(1, "required").max(PASSWORD_MAX) });
export const setupBody = z.strictObject({ token: z.string().min(1).max(100), name: userName, password });
export const createUserBody = z.strictObject({ name: userName, password, role, namespaces: namespaces.default([]) });
export const updateUserBody = z
  .strictObject({ role: role.optional(), namespaces: namespaces.optional(), disabled: z.boolean({ error: "must be true or false" }).optional(), password: password.optional() })
  .refine((b) => Object.keys(b).length > 0, "nothing to change: give role, namespaces, disabled or password");
export const idParams = z.strictObject({ id: z.uuid({ error: "must be an id (UUID)" }) });
export const createTokenBody = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 letters, digits, . _ - (starting with a letter or digit)"),
  role,
  namespaces: namespaces.default([]),
  /** Days until it expires; absent: never. */
  expiresInDays: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1 to 3650 days").max(3650, "must be 1 to 3650 days").optional(),
});
const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO 8601 time such as 2026-11-28T10:00:00Z" });
export const auditQuery = z.strictObject({
  actor: z.string().max(200).optional(),
  resource: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  before: z.string().regex(/^[1-9][0-9]{0,17}$/, "must be an entry id").optional(),
  limit: queryInt(1, 1000, "a number of entries from 1 to 1000").optional(),
  format: z.enum(["json", "jsonl"], { error: "must be json or jsonl" }).default("json"),
});

const secure = (ctx: RouteContext) => new URL(ctx.request.url).protocol === "https:" || ctx.request.headers.get("x-forwarded-proto") === "https";

function sessionCookies(ctx: RouteContext, s: { cookie: string; csrf: string; expiresAt: Date } | undefined): string[] {
  const tail = secure(ctx) ? "; Secure" : "";
  if (!s) return [`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${tail}`, `${CSRF_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0${tail}`];
  const age = Math.max(1, Math.floor((s.expiresAt.getTime() - Date.now()) / 1000));
  return [`${SESSION_COOKIE}=${s.cookie}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${age}${tail}`, `${CSRF_COOKIE}=${s.csrf}; Path=/; SameSite=Strict; Max-Age=${age}${tail}`];
}

export async function serveMe(ctx: RouteContext) {
  const rt = await ctx.runtime();
  const signedIn = ctx.user !== NOBODY;
  return {
    mode: rt.auth.mode,
    oidc: rt.auth.oidc ? { issuer: rt.auth.oidc.settings.issuer } : null,
    kubeLogin: rt.auth.kubeLogin,
    user: signedIn ? { name: ctx.user.name, kind: ctx.user.kind, role: ctx.user.role, namespaces: ctx.user.namespaces } : null,
    setupPending: rt.auth.mode === "local" ? await rt.auth.setupPending().catch(() => false) : false,
  };
}

export async function serveLogin(ctx: RouteContext, b: z.infer<typeof loginBody>) {
  const rt = await ctx.runtime();
  if (rt.auth.mode === "anonymous") throw new InvalidError("sign-in is not configured: anyone who can reach this port is an admin (set SEXTANT_ADMIN_PASSWORD or SEXTANT_AUTH=local)");
  const s = await rt.auth.signIn(b.name, b.password, ctx.source || "unknown");
  return new Reply(200, { user: s.user }, { "set-cookie": sessionCookies(ctx, s) });
}

export async function serveLogout(ctx: RouteContext) {
  const rt = await ctx.runtime();
  await rt.auth.signOut(ctx.request);
  return new Reply(200, { signedOut: true }, { "set-cookie": sessionCookies(ctx, undefined) });
}

export async function serveSetup(ctx: RouteContext, b: z.infer<typeof setupBody>) {
  const rt = await ctx.runtime();
  if (!(await rt.auth.checkSetup(b.token))) throw new ForbiddenError("this setup link is not valid (it works once, while there is no user)");
  const invalid = "this setup link is not valid (it works once, while there is no user)";
  // Decided again under a lock: another link used at the same moment makes no second admin.
  await createUser(rt.store.get().prisma, { name: b.name, passwordHash: await hashPassword(b.password), role: "admin", namespaces: [] }, { onlyFirst: true }).catch((e: unknown) => {
    throw isDomainError(e) && e.code === "conflict" && /first user/.test(e.message) ? new ForbiddenError(invalid) : e;
  });
  await rt.auth.endSetup();
  const s = await rt.auth.signIn(b.name, b.password, ctx.source || "unknown");
  return new Reply(201, { user: s.user }, { "set-cookie": sessionCookies(ctx, s) });
}

export async function serveUsers(ctx: RouteContext) {
  const rt = await ctx.runtime();
  return { users: await listUsers(rt.store.get().prisma) };
}

export async function serveCreateUser(ctx: RouteContext, b: z.infer<typeof createUserBody>) {
  const rt = await ctx.runtime();
  const user = await createUser(rt.store.get().prisma, { name: b.name, passwordHash: await hashPassword(b.password), role: b.role, namespaces: [...new Set(b.namespaces)].sort() });
  return new Reply(201, { user });
}

export async function serveUpdateUser(ctx: RouteContext, p: z.infer<typeof idParams>, b: z.infer<typeof updateUserBody>) {
  const rt = await ctx.runtime();
  const db = rt.store.get().prisma;
  const before = await getUser(db, p.id);
  if (!before) throw new NotFoundError(`user ${p.id}`);
  const demoted = (b.role !== undefined && b.role !== "admin") || b.disabled === true || (b.namespaces !== undefined && b.namespaces.length > 0);
  if (before.role === "admin" && demoted && (await otherActiveAdmins(db, p.id)) === 0) throw new ConflictError(`${before.name} is the last admin with every namespace: make another admin first`);
  const user = await updateUser(db, p.id, {
    ...(b.role ? { role: b.role } : {}),
    ...(b.namespaces ? { namespaces: [...new Set(b.namespaces)].sort() } : {}),
    ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
    ...(b.password ? { passwordHash: await hashPassword(b.password) } : {}),
  });
  return { user };
}

export async function serveTokens(ctx: RouteContext) {
  const rt = await ctx.runtime();
  return { tokens: await listTokens(rt.store.get().prisma) };
}

export async function serveCreateToken(ctx: RouteContext, b: z.infer<typeof createTokenBody>) {
  const rt = await ctx.runtime();
  const owner = ctx.user.userId;
  if (!owner) throw new InvalidError("API tokens belong to a user: sign in as one (anonymous access has no users)");
  const { token, secret } = await createToken(rt.store.get().prisma, { userId: owner, name: b.name, role: b.role, namespaces: [...new Set(b.namespaces)].sort(), expiresAt: b.expiresInDays ? new Date(Date.now() + b.expiresInDays * 86_400_000) : null });
  return new Reply(201, { token, secret, note: "shown this once: store it now" });
}

export async function serveRevokeToken(ctx: RouteContext, p: z.infer<typeof idParams>) {
  const rt = await ctx.runtime();
  return { token: await revokeToken(rt.store.get().prisma, p.id) };
}

export async function serveAudit(ctx: RouteContext, q: z.infer<typeof auditQuery>) {
  const rt = await ctx.runtime();
  const limit = q.limit ?? (q.format === "jsonl" ? 1000 : 100);
  const entries = await listAudit(rt.store.get().prisma, {
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.resource ? { resource: q.resource } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.since ? { since: new Date(q.since) } : {}),
    ...(q.until ? { until: new Date(q.until) } : {}),
    ...(q.before ? { beforeId: q.before } : {}),
    limit,
  });
  // Where the next (older) page starts: the last entry read, when the page was full (before filtering by namespace).
  const next = entries.length === limit ? entries[entries.length - 1]!.id : null;
  // A namespace-limited reader sees its own entries and those about its namespaces.
  const visible = (e: (typeof entries)[number]) => {
    if (ctx.user.namespaces === null || e.actor === ctx.user.name) return true;
    const ns = /(?:^|\s)([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/\S/.exec(e.resource)?.[1] ?? /^namespace (\S+)$/.exec(e.resource)?.[1];
    return ns !== undefined && ctx.canRead(ns);
  };
  entries.splice(0, entries.length, ...entries.filter(visible));
  if (q.format === "jsonl") return new FileReply(entries.map((e) => JSON.stringify(e)).join("\n") + (entries.length ? "\n" : ""), "application/jsonl; charset=utf-8", "sextant-audit.jsonl");
  return { entries, next };
}

export async function serveVerifyAudit(ctx: RouteContext) {
  const rt = await ctx.runtime();
  return verifyChain(rt.store.get().prisma);
}

export const oidcLoginQuery = z.strictObject({ return: z.string().max(2000).optional() });
/** What a provider adds to the redirect varies (iss, session_state, scope...): unknown parameters are ignored here only. */
export const oidcCallbackQuery = z.looseObject({ code: z.string().max(4000).optional(), state: z.string().max(1000).optional(), error: z.string().max(200).optional(), error_description: z.string().max(2000).optional() });

function oidcOf(rt: { auth: { oidc: OidcClient | undefined } }): OidcClient {
  if (!rt.auth.oidc) throw new NotFoundError("OpenID Connect sign-in (SEXTANT_OIDC_ISSUER is not set)");
  return rt.auth.oidc;
}

/** GET /api/auth/oidc/login: to the provider, with PKCE, state and nonce in a signed cookie. */
export async function serveOidcLogin(ctx: RouteContext, q: z.infer<typeof oidcLoginQuery>) {
  const rt = await ctx.runtime();
  const { url, cookie } = await oidcOf(rt).start(q.return);
  const tail = secure(ctx) ? "; Secure" : "";
  return new Reply(302, { redirect: url }, { location: url, "set-cookie": `${FLOW_COOKIE}=${cookie}; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=600${tail}` });
}

/** GET /api/auth/oidc/callback: the provider's answer; a session, or back to the sign-in form with the reason. */
export async function serveOidcCallback(ctx: RouteContext, q: z.infer<typeof oidcCallbackQuery>) {
  const rt = await ctx.runtime();
  const client = oidcOf(rt);
  const tail = secure(ctx) ? "; Secure" : "";
  const clearFlow = `${FLOW_COOKIE}=; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0${tail}`;
  try {
    if (q.error) throw new UnauthorizedError(`the identity provider said: ${q.error}${q.error_description ? ` (${q.error_description})` : ""}`);
    const who = await client.finish(new URL(ctx.request.url), rawCookie(ctx.request, FLOW_COOKIE));
    const s = await rt.auth.signInOidc(who.subject, who.role, ctx.source || "unknown");
    return new Reply(303, { user: { name: who.subject, role: who.role } }, { location: who.returnTo, "set-cookie": [...sessionCookies(ctx, s), clearFlow] });
  } catch (e) {
    if (!(e instanceof Error) || !("code" in e) || !["unauthorized", "forbidden"].includes(String((e as { code: unknown }).code))) throw e;
    ctx.log.warn("OpenID Connect sign-in refused", { reason: e.message });
    const to = `/?signin_error=${encodeURIComponent(e.message.slice(0, 500))}`;
    // A browser follows a redirect, not a 401: back to the sign-in form, which shows the reason.
    return new Reply(303, { error: { code: (e as { code: string }).code, message: e.message }, requestId: ctx.requestId, redirect: to }, { location: to, "set-cookie": clearFlow });
  }
}

function rawCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie") ?? "";
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim().slice(0, 4096);
  }
  return undefined;
}

export const kubeLoginBody = z.strictObject({ token: z.string().regex(/^[\x21-\x7e]{10,8192}$/, "must be a Kubernetes bearer token (printable, no spaces)") });

/** POST /api/auth/kube-login: a Kubernetes bearer token -> a session with the role the cluster's RBAC gives. */
export async function serveKubeLogin(ctx: RouteContext, b: z.infer<typeof kubeLoginBody>) {
  const rt = await ctx.runtime();
  if (!rt.auth.kubeLogin) throw new NotFoundError("sign-in with a Kubernetes token (SEXTANT_KUBE_TOKEN_LOGIN is not set)");
  const s = await rt.auth.signInKube(b.token, ctx.source || "unknown");
  return new Reply(200, { user: s.user }, { "set-cookie": sessionCookies(ctx, s) });
}
