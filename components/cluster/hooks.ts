"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, queryKeys } from "../api";
import { sendJson } from "../api-write";

/** The cluster's data: its status (polled), the apply preview and the apply itself. */
export type InformerState = { resource: string; namespace?: string; state: string; error?: string; objects: number; relists: number; since: string };
export type ClusterStatus =
  | { configured: false }
  | { configured: true; context?: string; server?: string; error?: string; kinds: InformerState[]; namespaces: string[] | null; namespaceSelector: string | null; lastApply: { at: string; applied: number; pruned: number; failed: number } | null };

export type PlanItem = { kind: string; namespace: string; name: string; action: "create" | "update" | "unchanged" | "prune" | "conflict" | "error"; diff: string; conflict?: { managers: string[]; fields: string[] }; error?: string };
export type Plan = { items: PlanItem[]; fingerprint: string; force: boolean };
export type ApplyResult = PlanItem & { outcome: "applied" | "pruned" | "unchanged" | "failed" | "not attempted" | "refused" };

export function useCluster() {
  return useQuery({ queryKey: queryKeys.cluster(), queryFn: ({ signal }) => getJson<ClusterStatus>("/api/cluster", signal), refetchInterval: 5000 });
}

export function usePlan() {
  return useMutation({ mutationFn: (b: { force: boolean; namespaces?: string[] }) => sendJson<Plan>("POST", "/api/cluster/plan", b) });
}

export function useApplyToCluster() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { fingerprint: string; force: boolean; namespaces?: string[] }) => sendJson<{ results: ApplyResult[]; summary: { applied: number; pruned: number; failed: number } }>("POST", "/api/cluster/apply", b),
    onSettled: () => void qc.invalidateQueries({ queryKey: queryKeys.cluster() }),
  });
}
