"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, queryKeys } from "../api";
import { sendJson } from "../api-write";

/** Sign-in, who am I, what my role allows, users, tokens and the audit log. */
export type Role = "viewer" | "operator" | "admin";
export type Me = { mode: "anonymous" | "local"; oidc: { issuer: string } | null; kubeLogin: boolean; user: { name: string; kind: string; role: Role; namespaces: string[] | null } | null; setupPending: boolean };
export type User = { id: string; name: string; role: Role; namespaces: string[]; disabled: boolean; createdAt: string };
export type Token = { id: string; name: string; owner: string; role: Role; namespaces: string[]; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null };
export type AuditEntry = { id: string; at: string; actor: string; action: string; resource: string; outcome: string; requestId: string; source: string; details: { route?: string; diff?: string; message?: string } | null };

export function useMe() {
  return useQuery({ queryKey: queryKeys.me(), queryFn: ({ signal }) => getJson<Me>("/api/auth/me", signal), staleTime: 30_000 });
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * Whether the signed-in person may do something: "operate" (change traffic, limiters, apply,
 * export) or "admin", optionally in a namespace. The UI hides or disables what a role cannot do;
 * the server refuses it anyway.
 */
export function useCan(need: "operate" | "admin", namespace?: string): boolean {
  const { data } = useMe();
  const u = data?.user;
  if (!u) return false;
  if (RANK[u.role] < RANK[need === "operate" ? "operator" : "admin"]) return false;
  return u.namespaces === null || (namespace !== undefined && u.namespaces.includes(namespace));
}

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { name: string; password: string }) => sendJson<{ user: { name: string; role: Role } }>("POST", "/api/auth/login", b),
    onSuccess: () => void qc.invalidateQueries(),
  });
}

export function useKubeSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (token: string) => sendJson<{ user: { name: string; role: Role } }>("POST", "/api/auth/kube-login", { token }),
    onSuccess: () => void qc.invalidateQueries(),
  });
}

export function useSetup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { token: string; name: string; password: string }) => sendJson<{ user: { name: string } }>("POST", "/api/auth/setup", b),
    onSuccess: () => void qc.invalidateQueries(),
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => sendJson<{ signedOut: boolean }>("POST", "/api/auth/logout", undefined),
    // Nothing of the session's data stays in this page: it starts over, at the sign-in form.
    onSettled: () => {
      qc.clear();
      window.location.reload();
    },
  });
}

export function useUsers() {
  return useQuery({ queryKey: queryKeys.users(), queryFn: ({ signal }) => getJson<{ users: User[] }>("/api/users", signal) });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { name: string; password: string; role: Role; namespaces: string[] }) => sendJson<{ user: User }>("POST", "/api/users", b),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.users() }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...b }: { id: string; role?: Role; disabled?: boolean; password?: string; namespaces?: string[] }) => sendJson<{ user: User }>("PUT", `/api/users/${id}`, b),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.users() }),
  });
}

export function useTokens() {
  return useQuery({ queryKey: queryKeys.tokens(), queryFn: ({ signal }) => getJson<{ tokens: Token[] }>("/api/tokens", signal) });
}

export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { name: string; role: Role; namespaces: string[]; expiresInDays?: number }) => sendJson<{ token: Token; secret: string }>("POST", "/api/tokens", b),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.tokens() }),
  });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendJson<{ token: Token }>("DELETE", `/api/tokens/${id}`, undefined),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.tokens() }),
  });
}

export function auditUrl(filter: Record<string, string>, format: "json" | "jsonl" = "json"): string {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== ""));
  if (format === "jsonl") q.set("format", "jsonl");
  return `/api/audit${q.size ? `?${q}` : ""}`;
}

/** The audit log newest first, a page (100 entries) at a time: `fetchNextPage` loads older ones. */
export function useAudit(filter: Record<string, string>) {
  return useInfiniteQuery({
    queryKey: queryKeys.audit(filter),
    queryFn: ({ signal, pageParam }) => getJson<{ entries: AuditEntry[]; next: string | null }>(auditUrl(pageParam ? { ...filter, before: pageParam } : filter), signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.next ?? undefined,
    refetchInterval: 15_000,
  });
}

export function useVerifyAudit() {
  return useQuery({ queryKey: queryKeys.auditVerify(), queryFn: ({ signal }) => getJson<{ ok: boolean; entries: number; broken?: { id: string; reason: string } }>("/api/audit/verify", signal), enabled: false });
}
