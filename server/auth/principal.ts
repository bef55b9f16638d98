import { ForbiddenError } from "../errors";

/**
 * Who is asking, and what they may do. Roles grow: a viewer reads everything, an operator also
 * changes intents and limiters, applies and exports, an admin also manages users, tokens, Git
 * targets and settings. Any of them may be limited to namespaces (then writes elsewhere, and
 * writes that are not about one namespace, are refused).
 */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs: "public" (no identity, e.g. sign-in), "read", "operate" or "admin". */
export type Access = "public" | "read" | "operate" | "admin";

export interface Principal {
  kind: "anonymous" | "user" | "token" | "oidc" | "kubernetes";
  /** The user's name, or "token <name> (<owner>)". */
  name: string;
  role: Role;
  /** null: every namespace. */
  namespaces: string[] | null;
  /** The user's id (for users and the owner of a token). */
  userId?: string;
  /** The API token's id, when the request came with one. */
  tokenId?: string;
  /** The session's CSRF token, when the request came with a session cookie. */
  csrf?: string;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const NEEDS: Record<Exclude<Access, "public">, Role> = { read: "viewer", operate: "operator", admin: "admin" };

export const ANONYMOUS_ADMIN: Principal = { kind: "anonymous", name: "anonymous", role: "admin", namespaces: null };

export function hasRole(p: Principal, role: Role): boolean {
  return RANK[p.role] >= RANK[role];
}

/** Whether the principal's role is enough for `access` (namespaces are checked apart). */
export function allows(p: Principal, access: Access): boolean {
  return access === "public" || hasRole(p, NEEDS[access]);
}

export function mayWriteNamespace(p: Principal, namespace: string): boolean {
  return p.namespaces === null || p.namespaces.includes(namespace);
}

/** Throws unless the principal may change objects in `namespace`. */
export function requireNamespace(p: Principal, namespace: string): void {
  if (!mayWriteNamespace(p, namespace)) throw new ForbiddenError(`${p.name} may not change namespace ${namespace} (limited to ${p.namespaces!.join(", ") || "no namespaces"})`);
}

/** The name written as a revision's author or a commit's author. */
export function authorName(p: Principal): string {
  return p.name;
}

/** Whether the principal may read objects of `namespace` (a namespace-limited identity reads only its own). */
export const mayRead = mayWriteNamespace;

/** Throws unless the principal may read `namespace`. */
export function requireRead(p: Principal, namespace: string): void {
  if (!mayRead(p, namespace)) throw new ForbiddenError(`${p.name} may not read namespace ${namespace} (limited to ${p.namespaces!.join(", ") || "no namespaces"})`);
}

/**
 * The namespaces a read covers: the ones asked for (each must be readable), or, when none were
 * asked for, every readable one (undefined: every namespace, for an unlimited identity).
 */
export function readScope(p: Principal, requested: string[] | undefined): string[] | undefined {
  if (requested?.length) {
    for (const ns of requested) requireRead(p, ns);
    return requested;
  }
  return p.namespaces === null ? undefined : [...p.namespaces];
}

/** Throws unless the principal may read every namespace (for views that span them all: Git exports). */
export function requireAllNamespaces(p: Principal, what: string): void {
  if (p.namespaces !== null) throw new ForbiddenError(`${p.name} is limited to namespaces ${p.namespaces.join(", ") || "(none)"}; ${what} spans every namespace`);
}
