"use client";

import { useState } from "react";
import { ApiError } from "../api";
import { ConfirmDialog } from "../traffic/ConfirmDialog";
import { YamlDiff } from "../traffic/YamlDiff";
import { type ApplyResult, type Plan, type PlanItem, useApplyToCluster, usePlan } from "./hooks";

const ACTION_LABEL: Record<PlanItem["action"], string> = { create: "create", update: "update", unchanged: "unchanged", prune: "delete (pruned)", conflict: "conflict", error: "cannot apply" };
const ACTION_CLASS: Record<PlanItem["action"], string> = { create: "ok", update: "warn", unchanged: "muted", prune: "bad", conflict: "bad", error: "bad" };

/**
 * Apply to the cluster in two steps: a preview (the API server's dry-run of each object, diffed
 * against what is live), then, after a confirmation naming the cluster, the apply of exactly
 * that preview. Conflicts with other field managers are shown with their owner and applied only
 * if the operator chooses to take the fields over.
 */
export function ApplyPanel({ context }: { context: string }) {
  const plan = usePlan();
  const apply = useApplyToCluster();
  const [force, setForce] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [results, setResults] = useState<ApplyResult[] | null>(null);
  const [stale, setStale] = useState<string | null>(null);
  const p: Plan | undefined = plan.data;
  const changes = p?.items.filter((i) => i.action === "create" || i.action === "update" || i.action === "prune" || (i.action === "conflict" && force)) ?? [];
  const conflicts = p?.items.filter((i) => i.action === "conflict") ?? [];
  const preview = (f = force) => {
    setResults(null);
    setStale(null);
    plan.mutate({ force: f });
  };
  const run = () => {
    setConfirming(false);
    if (!p) return;
    apply.mutate(
      { fingerprint: p.fingerprint, force: p.force },
      {
        onSuccess: (r) => {
          setResults(r.results);
          plan.reset();
        },
        onError: (e) => {
          if (e instanceof ApiError && e.status === 409) {
            setStale(e.message);
            plan.mutate({ force: p.force });
          }
        },
      },
    );
  };
  return (
    <div className="card" data-testid="apply-panel">
      <div className="toolbar">
        <h2 className="grow">Apply to the cluster</h2>
        <button type="button" className="button" onClick={() => preview()} disabled={plan.isPending || apply.isPending}>
          {plan.isPending ? "Previewing…" : p ? "Preview again" : "Preview apply"}
        </button>
        {p && (
          <button type="button" className="button button-primary" disabled={changes.length === 0 || apply.isPending} onClick={() => setConfirming(true)}>
            {apply.isPending ? "Applying…" : `Apply ${changes.length} change${changes.length === 1 ? "" : "s"}`}
          </button>
        )}
      </div>
      <p className="muted small">The preview is the API server&apos;s own dry run of each object (server-side apply, field manager <code>sextant</code>); nothing is written until you apply.</p>
      {stale && <p role="alert" className="error-text">{stale}</p>}
      {plan.error && <p role="alert" className="error-text">Preview failed: {plan.error.message}</p>}
      {apply.error && !(apply.error instanceof ApiError && apply.error.status === 409) && <p role="alert" className="error-text">Apply failed: {apply.error.message}</p>}
      {(conflicts.length > 0 || force) && (
        <label className="checkbox">
          <input type="checkbox" checked={force} onChange={(e) => {
            setForce(e.target.checked);
            preview(e.target.checked);
          }} /> Take over the conflicting fields from their other managers (force)
        </label>
      )}
      {p && p.items.length === 0 && <p className="muted">Sextant generates no objects for the watched namespaces, and there is nothing of its own to prune.</p>}
      {p && p.items.length > 0 && <PlanList items={p.items} />}
      {results && <Results results={results} />}
      {confirming && p && (
        <ConfirmDialog title={`Apply to cluster ${context}?`} confirmLabel={`Apply ${changes.length} change${changes.length === 1 ? "" : "s"}`} onConfirm={run} onCancel={() => setConfirming(false)}>
          <ul>
            {changes.map((i) => (
              <li key={`${i.kind}/${i.namespace}/${i.name}`}>
                {ACTION_LABEL[i.action]} {i.kind} <span className="mono">{i.namespace}/{i.name}</span>
              </li>
            ))}
          </ul>
          {p.force && <p className="warn-text">Fields other managers own will be taken over.</p>}
        </ConfirmDialog>
      )}
    </div>
  );
}

function PlanList({ items }: { items: PlanItem[] }) {
  return (
    <ul className="plan" aria-label="Preview">
      {items.map((i) => (
        <li key={`${i.kind}/${i.namespace}/${i.name}`} data-testid={`plan-${i.kind}-${i.name}`}>
          <details open={i.action !== "unchanged"}>
            <summary>
              <span className={`badge ${ACTION_CLASS[i.action]}`}>{ACTION_LABEL[i.action]}</span> {i.kind} <span className="mono">{i.namespace}/{i.name}</span>
            </summary>
            {i.error && <p className="error-text">{i.error}</p>}
            {i.action !== "unchanged" && <YamlDiff diff={i.diff} empty="No difference." />}
          </details>
        </li>
      ))}
    </ul>
  );
}

function Results({ results }: { results: ApplyResult[] }) {
  return (
    <table className="table table-compact" aria-label="Apply results" data-testid="apply-results">
      <thead>
        <tr>
          <th scope="col">Object</th>
          <th scope="col">Outcome</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <tr key={`${r.kind}/${r.namespace}/${r.name}`}>
            <td>{r.kind} <span className="mono">{r.namespace}/{r.name}</span></td>
            <td className={r.outcome === "failed" || r.outcome === "refused" ? "bad" : r.outcome === "applied" || r.outcome === "pruned" ? "ok" : "muted"}>{r.outcome}</td>
            <td className="small">{r.error ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
