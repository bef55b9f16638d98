"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, queryKeys } from "../api";
import { sendJson } from "../api-write";

/** Git targets: list, add, preview, commit, history. */
export type Target = { id: string; name: string; url: string; branch: string; path: string; mode: "commit" | "branch"; authKind: "none" | "token" | "ssh-key"; hasSecret: boolean; autoExport: boolean };
export type FileChange = { path: string; change: "added" | "modified" | "deleted"; diff: string };
export type ExportPreview = { base: string; changes: FileChange[]; message: string };
export type ExportResult = { result: "committed" | "nothing"; commit?: string; branch: string; files: { path: string; change: string }[]; message: string; compareUrl?: string };
export type ExportRecord = { at: string; author: string; branch: string; commit: string; files: { path: string; change: string }[]; result: string; message: string };

export function useTargets() {
  return useQuery({ queryKey: queryKeys.gitopsTargets(), queryFn: ({ signal }) => getJson<{ targets: Target[]; secretsEnabled: boolean }>("/api/gitops/targets", signal) });
}

export function useAddTarget() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { name: string; url: string; branch: string; path: string; mode: string; authKind: string; secret?: string }) => sendJson<{ target: Target }>("POST", "/api/gitops/targets", b),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.gitopsTargets() }),
  });
}

export function useRemoveTarget() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendJson<{ deleted: string }>("DELETE", `/api/gitops/targets/${id}`, {}),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.gitopsTargets() }),
  });
}

export function usePreviewExport(id: string) {
  return useMutation({ mutationFn: () => sendJson<ExportPreview>("POST", `/api/gitops/targets/${id}/preview`, {}) });
}

export function useCommitExport(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (base: string) => sendJson<ExportResult>("POST", `/api/gitops/targets/${id}/commit`, { base }),
    onSettled: () => void qc.invalidateQueries({ queryKey: queryKeys.gitopsHistory(id) }),
  });
}

export function useExportHistory(id: string) {
  return useQuery({ queryKey: queryKeys.gitopsHistory(id), queryFn: ({ signal }) => getJson<{ exports: ExportRecord[] }>(`/api/gitops/targets/${id}/exports`, signal) });
}

export function useAutoExport(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (autoExport: boolean) => sendJson<{ id: string; autoExport: boolean }>("PUT", `/api/gitops/targets/${id}`, { autoExport }),
    onSettled: () => void qc.invalidateQueries({ queryKey: queryKeys.gitopsTargets() }),
  });
}
