import { createHash, randomBytes } from "node:crypto";
import { ConflictError, NotFoundError } from "../errors";
import { audited } from "./audit";
import type { PrismaClient } from "./generated/client.ts";
import { Prisma } from "./generated/client.ts";

/**
 * Users, sessions and API tokens. Secrets (session cookies, API tokens) are random and stored
 * only as their SHA-256 (they carry 256 bits: no salt or slow hash needed); passwords are scrypt
 * (server/auth/passwords.ts, hashed before they reach here). Admin changes are audited in their
 * transaction; sign-ins are not changes and are logged instead.
 */
export type RoleName = "viewer" | "operator" | "admin";

export interface UserRow {
  id: string;
  name: string;
  role: RoleName;
  namespaces: string[];
  disabled: boolean;
  createdAt: string;
}

export interface TokenRow {
  id: string;
  name: string;
  owner: string;
  role: RoleName;
  namespaces: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface SessionRow {
  userId: string | null;
  subject: string;
  role: RoleName;
  namespaces: string[];
  csrf: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

type Db = PrismaClient;

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const secret = () => randomBytes(32).toString("base64url");

const userView = (u: { id: string; name: string; role: string; namespaces: string[]; disabled: boolean; createdAt: Date }): UserRow => ({
  id: u.id,
  name: u.name,
  role: u.role as RoleName,
  namespaces: [...u.namespaces].sort(),
  disabled: u.disabled,
  createdAt: u.createdAt.toISOString(),
});

export async function countUsers(db: Db): Promise<number> {
  return db.user.count();
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  return (await db.user.findMany({ orderBy: { name: "asc" } })).map(userView);
}

export async function findUserByName(db: Db, name: string) {
  return db.user.findUnique({ where: { name } });
}

export async function getUser(db: Db, id: string) {
  return db.user.findUnique({ where: { id } });
}

/** Serializes first-admin creation across requests and replicas. */
const FIRST_USER_LOCK = 0x5e47a17_f1257n;

/** `onlyFirst`: create it only if no user exists yet (the setup link), decided under a lock: two links used at once make one admin. */
export async function createUser(db: Db, u: { name: string; passwordHash: string; role: RoleName; namespaces: string[] }, opts: { onlyFirst?: boolean } = {}): Promise<UserRow> {
  try {
    return await db.$transaction(async (tx) => {
      if (opts.onlyFirst) {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_USER_LOCK.toString()}::bigint)`;
        if ((await tx.user.count()) > 0) throw new ConflictError("the first user exists already");
      }
      const row = userView(await tx.user.create({ data: u }));
      await audited(tx, { action: "users.create", resource: `user ${row.name}`, after: { role: row.role, namespaces: row.namespaces } });
      return row;
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw new ConflictError(`a user named ${u.name} already exists`);
    throw e;
  }
}

/** Role, namespaces, disabled, or a new password; disabling or a new password ends the user's sessions. */
export async function updateUser(db: Db, id: string, change: { role?: RoleName; namespaces?: string[]; disabled?: boolean; passwordHash?: string }): Promise<UserRow> {
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id } });
    if (!before) throw new NotFoundError(`user ${id}`);
    const after = await tx.user.update({ where: { id }, data: change });
    if (change.disabled || change.passwordHash) await tx.session.deleteMany({ where: { userId: id } });
    const shape = (x: typeof before) => ({ role: x.role, namespaces: [...x.namespaces].sort(), disabled: x.disabled });
    await audited(tx, { action: change.passwordHash ? "users.reset-password" : "users.update", resource: `user ${before.name}`, before: shape(before), after: shape(after) });
    return userView(after);
  });
}

/** An active admin other than `exceptId` (so the last admin cannot lock everyone out). */
export async function otherActiveAdmins(db: Db, exceptId: string): Promise<number> {
  return db.user.count({ where: { role: "admin", disabled: false, id: { not: exceptId } } });
}

// --- sessions ---------------------------------------------------------------------------------

export async function createSession(db: Db, s: { userId: string | null; subject: string; role: RoleName; namespaces: string[]; absoluteMs: number }): Promise<{ cookie: string; csrf: string; expiresAt: Date }> {
  const cookie = secret();
  const csrf = secret();
  const expiresAt = new Date(Date.now() + s.absoluteMs);
  await db.session.create({ data: { id: sha256(cookie), userId: s.userId, subject: s.subject, role: s.role, namespaces: s.namespaces, csrf, expiresAt } });
  return { cookie, csrf, expiresAt };
}

/** The session for a cookie if it is neither past its absolute expiry nor idle too long; touches it. */
export async function liveSession(db: Db, cookie: string, idleMs: number): Promise<(SessionRow & { user: { name: string; disabled: boolean } | null }) | undefined> {
  const id = sha256(cookie);
  const s = await db.session.findUnique({ where: { id }, include: { user: { select: { name: true, disabled: true, role: true, namespaces: true } } } });
  if (!s) return undefined;
  const now = Date.now();
  if (s.expiresAt.getTime() <= now || s.lastSeenAt.getTime() + idleMs <= now || s.user?.disabled) {
    await db.session.deleteMany({ where: { id } });
    return undefined;
  }
  // Touched at most once a minute: a busy page does not write on every request.
  if (now - s.lastSeenAt.getTime() > 60_000) await db.session.updateMany({ where: { id }, data: { lastSeenAt: new Date(now) } });
  // A local user's role is the user's now, not the one at sign-in.
  const role = (s.user?.role ?? s.role) as RoleName;
  const namespaces = s.user?.namespaces ?? s.namespaces;
  return { userId: s.userId, subject: s.subject, role, namespaces, csrf: s.csrf, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt, user: s.user ? { name: s.user.name, disabled: s.user.disabled } : null };
}

export async function endSession(db: Db, cookie: string): Promise<void> {
  await db.session.deleteMany({ where: { id: sha256(cookie) } });
}

// --- API tokens -------------------------------------------------------------------------------

export const TOKEN_PREFIX = "sxt_";

const tokenView = (t: { id: string; name: string; role: string; namespaces: string[]; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null; revokedAt: Date | null; user: { name: string } }): TokenRow => ({
  id: t.id,
  name: t.name,
  owner: t.user.name,
  role: t.role as RoleName,
  namespaces: [...t.namespaces].sort(),
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** Creates a token; the secret is returned this once and never again. */
export async function createToken(db: Db, t: { userId: string; name: string; role: RoleName; namespaces: string[]; expiresAt: Date | null }): Promise<{ token: TokenRow; secret: string }> {
  const value = `${TOKEN_PREFIX}${secret()}`;
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.apiToken.create({ data: { ...t, secretHash: sha256(value) }, include: { user: { select: { name: true } } } });
      const token = tokenView(row);
      await audited(tx, { action: "tokens.create", resource: `token ${token.name} (${token.owner})`, after: { role: token.role, namespaces: token.namespaces, expiresAt: token.expiresAt } });
      return { token, secret: value };
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw new ConflictError(`a token named ${t.name} already exists`);
    throw e;
  }
}

export async function listTokens(db: Db, userId?: string): Promise<TokenRow[]> {
  const rows = await db.apiToken.findMany({ where: userId ? { userId } : {}, include: { user: { select: { name: true } } }, orderBy: [{ createdAt: "desc" }, { name: "asc" }] });
  return rows.map(tokenView);
}

export async function revokeToken(db: Db, id: string, onlyOf?: string): Promise<TokenRow> {
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { id }, include: { user: { select: { name: true } } } });
    if (!row || (onlyOf && row.userId !== onlyOf)) throw new NotFoundError(`token ${id}`);
    if (row.revokedAt) return tokenView(row);
    const after = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, include: { user: { select: { name: true } } } });
    await audited(tx, { action: "tokens.revoke", resource: `token ${row.name} (${row.user.name})`, before: { revoked: false }, after: { revoked: true } });
    return tokenView(after);
  });
}

/** The token for a presented secret if it is live (not revoked, not expired, owner enabled); records its use. */
export async function liveToken(db: Db, presented: string) {
  const row = await db.apiToken.findUnique({ where: { secretHash: sha256(presented) }, include: { user: { select: { name: true, disabled: true } } } });
  if (!row) return { state: "unknown" as const };
  if (row.revokedAt) return { state: "revoked" as const };
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return { state: "expired" as const };
  if (row.user.disabled) return { state: "disabled" as const };
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return { state: "live" as const, token: row };
}
