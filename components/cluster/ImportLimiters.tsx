"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { queryKeys } from "../api";
import { sendJson } from "../api-write";

type ImportAnswer = { results: { namespace: string; name: string; outcome: string; revision?: number; notes: string[]; error?: string }[]; unavailable?: string };

/** Taking over from Slime: the cluster's SmartLimiters become Sextant's, with what was converted or ignored said. */
export function ImportLimiters() {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: () => sendJson<ImportAnswer>("POST", "/api/cluster/import-limiters", {}),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.limiters() }),
  });
  return (
    <div className="card" data-testid="import-limiters">
      <div className="toolbar">
        <h2 className="grow">Take over from Slime</h2>
        <button type="button" className="button" onClick={() => m.mutate()} disabled={m.isPending}>{m.isPending ? "Importing…" : "Import the cluster's SmartLimiters"}</button>
      </div>
      <p className="muted small">Each SmartLimiter is read as Slime reads it (camelCase or snake_case, its older v1alpha1 form converted) and becomes one of Sextant&apos;s <Link href="/limiters">rate limits</Link>; one already imported and unchanged is left as it is.</p>
      {m.error && <p role="alert" className="error-text">{m.error.message}</p>}
      {m.data?.unavailable && <p role="status" className="warn-text">{m.data.unavailable}</p>}
      {m.data && !m.data.unavailable && m.data.results.length === 0 && <p role="status" className="muted">No SmartLimiters in the watched namespaces.</p>}
      {m.data && m.data.results.length > 0 && (
        <ul className="findings">
          {m.data.results.map((r) => (
            <li key={`${r.namespace}/${r.name}`} className={r.outcome === "refused" ? "bad" : undefined}>
              <span className="mono">{r.namespace}/{r.name}</span>: {r.outcome}{r.revision ? ` (revision ${r.revision})` : ""}{r.error ? ` — ${r.error}` : ""}
              {r.notes.map((n) => <div key={n} className="muted small">Note: {n}</div>)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
