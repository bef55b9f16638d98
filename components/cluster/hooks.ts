"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, queryKeys } from "../api";
import { sendJson } from "../api-write";

/** The cluster's data: its status (polled), the apply preview and the apply itself. */
export type InformerState = { resource: string; namespace?: string; state: string; error?: string; objects: number; relists: number; since: string };
export type IntentClusterState = { state: "applied" | "failed" | "pending"; revision: number; at: string; error?: string };
export type ClusterStatus =
  | { configured: false }
  | {
      configured: true;
      context?: string;
      server?: string;
      error?: string;
      kinds: InformerState[];
      namespaces: string[] | null;
      namespaceSelector: string | null;
      meshNamespaces: string[];
      lastApply: { at: string; applied: number; pruned: number; failed: number } | null;
      autoApply: { namespaces: string[]; intents: Record<string, IntentClusterState>; lastRun: { at: string; namespaces: string[]; applied: number; failed: number } | null };
    };

export type PlanItem = { kind: string; namespace: string; name: string; action: "create" | "update" | "unchanged" | "prune" | "conflict" | "error"; diff: string; conflict?: { managers: string[]; fields: string[] }; error?: string };
export type Plan = { items: PlanItem[]; fingerprint: string; force: boolean };
export type ApplyResult = PlanItem & { outcome: "applied" | "pruned" | "unchanged" | "failed" | "not attempted" | "refused" };

export type LiveFinding = { code: string; kiali?: string; severity: "error" | "warning"; message: string; path: string };
export type LiveObject = { kind: string; namespace: string; name: string; managedBy: { by: string; detail?: string }; findings: LiveFinding[]; sync?: { state: "in sync" | "drifted" | "pending" | "orphaned"; diff: string; editedBy?: string[] }; yaml: string };
export type ClusterObjects = { objects: LiveObject[]; notApplied: { kind: string; namespace: string; name: string }[]; unavailable: { kind: string; reason: string }[] };

export function useClusterObjects(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.clusterObjects(), queryFn: ({ signal }) => getJson<ClusterObjects>("/api/cluster/objects", signal), refetchInterval: 10_000, enabled });
}

export function useAdopt() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { kind: "VirtualService"; namespace: string; name: string }) => sendJson<{ intent: { id: string; revision: number } }>("POST", "/api/cluster/adopt", b),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.cluster() });
      void qc.invalidateQueries({ queryKey: queryKeys.intents() });
      void qc.invalidateQueries({ queryKey: queryKeys.objects() });
    },
  });
}

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
    // ["cluster"] is also the prefix of the cluster's objects: both are read again.
    onSettled: () => void qc.invalidateQueries({ queryKey: queryKeys.cluster() }),
  });
}

export function useAutoApplySetting() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { namespace: string; autoApply: boolean }) => sendJson<{ namespace: string; autoApply: boolean }>("PUT", "/api/cluster/settings", b),
    onSettled: () => void qc.invalidateQueries({ queryKey: queryKeys.cluster() }),
  });
}
