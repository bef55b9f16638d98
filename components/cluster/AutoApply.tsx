"use client";

import { useState } from "react";
import { ConfirmDialog } from "../traffic/ConfirmDialog";
import { useAutoApplySetting } from "./hooks";

/** Per namespace, off by default: applied intent revisions and limiter changes written to the cluster at once. */
export function AutoApply({ context, namespaces, on }: { context: string; namespaces: string[]; on: string[] }) {
  const set = useAutoApplySetting();
  const [asking, setAsking] = useState<string | null>(null);
  return (
    <div className="card" data-testid="auto-apply">
      <h2>Auto-apply</h2>
      <p className="muted small">With auto-apply on, every intent revision applied in the namespace, and every change of its SmartLimiters&apos; EnvoyFilters, is written to the cluster at once (the same dry run first; conflicts with other field managers are never forced). Off: apply from the preview above.</p>
      {namespaces.length === 0 ? (
        <p className="muted">No namespaces with services yet.</p>
      ) : (
        <ul className="plain-list">
          {namespaces.map((ns) => (
            <li key={ns}>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={on.includes(ns)}
                  disabled={set.isPending}
                  onChange={(e) => (e.target.checked ? setAsking(ns) : set.mutate({ namespace: ns, autoApply: false }))}
                />
                <span className="mono">{ns}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {set.error && <p role="alert" className="error-text">{set.error.message}</p>}
      {asking && (
        <ConfirmDialog title={`Auto-apply ${asking} to cluster ${context}?`} confirmLabel="Turn auto-apply on" onCancel={() => setAsking(null)} onConfirm={() => {
          set.mutate({ namespace: asking, autoApply: true });
          setAsking(null);
        }}>
          <p>Changes to intents in <strong>{asking}</strong> will reach the cluster&apos;s proxies without a separate review.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
