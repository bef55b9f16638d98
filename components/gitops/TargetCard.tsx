"use client";

import { useState } from "react";
import { ApiError } from "../api";
import { ConfirmDialog } from "../traffic/ConfirmDialog";
import { YamlDiff } from "../traffic/YamlDiff";
import { ComparisonList, useCompareTarget } from "./Compare";
import { useCan } from "../auth/hooks";
import { type Target, useAutoExport, useCommitExport, useExportHistory, usePreviewExport, useRemoveTarget } from "./hooks";

/** One Git target: review the export against its branch, commit it, see what was exported before. */
export function TargetCard({ t }: { t: Target }) {
  const preview = usePreviewExport(t.id);
  const commit = useCommitExport(t.id);
  const history = useExportHistory(t.id);
  const remove = useRemoveTarget();
  const auto = useAutoExport(t.id);
  const compare = useCompareTarget(t.id);
  const [confirming, setConfirming] = useState(false);
  const canCommit = useCan("operate");
  const isAdmin = useCan("admin");
  const p = preview.data;
  const run = () => {
    setConfirming(false);
    if (!p) return;
    commit.mutate(p.base, {
      onSuccess: () => preview.reset(),
      // The branch moved since the preview: show the new one.
      onError: (e) => e instanceof ApiError && e.status === 409 && preview.mutate(),
    });
  };
  return (
    <div className="card" data-testid={`target-${t.name}`}>
      <div className="toolbar">
        <h3 className="grow">
          {t.name} <span className="mono small">{t.url} · {t.branch}{t.path ? ` · ${t.path}/` : ""}</span>
        </h3>
        <span className="badge badge-muted">{t.mode === "branch" ? "a branch per change" : "commit to the branch"}</span>
        <button type="button" className="button" onClick={() => preview.mutate()} disabled={preview.isPending || commit.isPending}>{preview.isPending ? "Comparing…" : "Preview export"}</button>
        {p && p.changes.length > 0 && canCommit && (
          <button type="button" className="button button-primary" onClick={() => setConfirming(true)} disabled={commit.isPending}>
            {commit.isPending ? "Committing…" : `Commit ${p.changes.length} file${p.changes.length === 1 ? "" : "s"}`}
          </button>
        )}
        <button type="button" className="button button-small" onClick={() => compare.mutate()} disabled={compare.isPending}>{compare.isPending ? "Comparing…" : "Compare objects"}</button>
        <label className="checkbox small" title="Export every applied change within seconds, without a review">
          <input type="checkbox" checked={t.autoExport} disabled={auto.isPending || !isAdmin} onChange={(e) => auto.mutate(e.target.checked)} /> auto-export
        </label>
        {isAdmin && <button type="button" className="button button-small" onClick={() => remove.mutate(t.id)} disabled={remove.isPending} title="Forget this target (the repository is not touched)">Remove</button>}
      </div>
      {preview.error && <p role="alert" className="error-text">{preview.error.message}</p>}
      {compare.error && <p role="alert" className="error-text">{compare.error.message}</p>}
      {compare.data && <ComparisonList objects={compare.data.objects} />}
      {commit.error && <p role="alert" className="error-text">{commit.error.message}</p>}
      {commit.data && (
        <p role="status" className="ok" data-testid="commit-result">
          {commit.data.result === "nothing" ? "Nothing to commit: the branch already holds this export." : `Committed ${commit.data.commit?.slice(0, 12)} to ${commit.data.branch}.`}
          {commit.data.compareUrl && <> <a href={commit.data.compareUrl} target="_blank" rel="noreferrer">Open a pull request</a></>}
        </p>
      )}
      {p && p.changes.length === 0 && <p className="muted" role="status">The branch already holds this export.</p>}
      {p && p.changes.length > 0 && (
        <>
          <pre className="code small" data-testid="commit-message">{p.message}</pre>
          <ul className="plan" aria-label="Pending changes" data-testid="pending-changes">
            {p.changes.map((c) => (
              <li key={c.path}>
                <details open>
                  <summary><span className="badge">{c.change}</span> <span className="mono">{c.path}</span></summary>
                  <YamlDiff diff={c.diff} />
                </details>
              </li>
            ))}
          </ul>
        </>
      )}
      <details>
        <summary className="small">Export history</summary>
        {history.data?.exports.length ? (
          <table className="table table-compact" aria-label="Export history" data-testid="export-history">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Commit</th><th scope="col">Files</th><th scope="col">Result</th></tr></thead>
            <tbody>
              {history.data.exports.map((e, i) => (
                <tr key={i}>
                  <td className="small">{new Date(e.at).toLocaleString()}</td>
                  <td className="small">{e.author}</td>
                  <td className="mono small">{e.commit ? e.commit.slice(0, 12) : "-"}</td>
                  <td className="small">{e.files.length}</td>
                  <td className={e.result === "failed" ? "bad" : undefined} title={e.message}>{e.result}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <p className="muted small">No exports yet.</p>}
      </details>
      {confirming && p && (
        <ConfirmDialog title={`Commit to ${t.name}?`} confirmLabel="Commit and push" onConfirm={run} onCancel={() => setConfirming(false)}>
          <p>{p.changes.length} file{p.changes.length === 1 ? "" : "s"} to {t.mode === "branch" ? "a new branch for review" : <>branch <strong>{t.branch}</strong></>}:</p>
          <pre className="code small">{p.message}</pre>
        </ConfirmDialog>
      )}
    </div>
  );
}
