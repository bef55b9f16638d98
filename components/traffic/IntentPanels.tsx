"use client";

import { useCanEdit } from "./editing";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { IntentView, Preview } from "@/server/intents/service";
import { type ApiError, getJson } from "../api";
import { sendJson } from "../api-write";
import { ConfirmDialog, WeightChange } from "./ConfirmDialog";
import { YamlDiff } from "./YamlDiff";

/** The panels an intent editor is made of: live preview, findings, errors, history with rollback. */

type History = { revisions: { number: number; author: string; message: string; createdAt: string; spec: unknown; yaml: string }[] };

/**
 * Live preview of a draft. `hostVersion` names the intents in force on the host
 * (kind@revision): the host's objects merge all of them, so any apply there
 * makes every open preview stale.
 */
export function usePreview(body: unknown, enabled: boolean, hostVersion: string) {
  const [state, setState] = useState<{ preview?: Preview; error?: ApiError; pending: boolean }>({ pending: false });
  const key = JSON.stringify(body) + hostVersion;
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const t = setTimeout(() => {
      setState((s) => ({ ...s, pending: true }));
      sendJson<Preview>("POST", "/api/intents/preview", body).then(
        (preview) => live && setState({ preview, pending: false }),
        (error: ApiError) => live && setState({ error, pending: false }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, enabled]);
  return state;
}


export function PreviewPanel({ state, shownAtField }: { state: ReturnType<typeof usePreview>; shownAtField?: (path: string) => boolean }) {
  return (
    <details className="preview" open>
      <summary>Preview {state.pending ? <span className="muted small">(updating…)</span> : null}</summary>
      {state.error && <ErrorBox error={state.error} testId="preview-error" shownAtField={shownAtField} />}
      {state.preview && (
        <>
          <Findings findings={state.preview.findings} shownAtField={shownAtField} />
          <div className="preview-grid">
            <div>
              <h3>Objects</h3>
              <pre className="code" data-testid="preview-yaml">{state.preview.yaml || "(no objects)"}</pre>
            </div>
            <div>
              <h3>Diff against what is in force</h3>
              <YamlDiff diff={state.preview.diff} />
            </div>
          </div>
        </>
      )}
    </details>
  );
}

export function Findings({ findings: all, shownAtField }: { findings: Preview["findings"]; shownAtField?: (path: string) => boolean }) {
  // Errors the form shows at their fields are not listed again here.
  const findings = all.filter((f) => !(f.severity === "error" && shownAtField?.(f.path)));
  if (all.length === 0) return <p className="ok small" data-testid="findings">No problems found.</p>;
  if (findings.length === 0) return <p className="bad small" data-testid="findings">See the highlighted fields.</p>;
  return (
    <ul className="findings" data-testid="findings">
      {findings.map((f, i) => (
        <li key={i} className={f.severity === "error" ? "bad" : "warn"}>
          <code>{f.code}</code> {f.severity}: {f.message} <span className="muted small">({f.path})</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * An API error, as an operator reads it. A conflict (409) says someone else
 * changed the intent and, given `onReload`, offers to reload and apply this
 * change again; issues shown at their form fields are not repeated here.
 */
export function ErrorBox({ error, testId, shownAtField, onReload }: { error: ApiError; testId?: string; shownAtField?: (path: string) => boolean; onReload?: () => void }) {
  const issues = error.issues.filter((i) => !shownAtField?.(specPath(i.path)));
  const atFields = error.issues.length - issues.length;
  if (error.status === 409) {
    return (
      <div className="alert" role="alert" data-testid={testId ?? "conflict"}>
        <strong>Someone changed this since you loaded it.</strong> {conflictDetail(error.message)}
        {onReload && (
          <div className="toolbar">
            <button type="button" className="button" onClick={onReload}>
              Reload and reapply my change
            </button>
          </div>
        )}
      </div>
    );
  }
  return (
    <div className="alert" role="alert" data-testid={testId}>
      {/* The message repeats the issues; when every issue is at its field, say only where to look. */}
      {atFields > 0 && issues.length === 0 ? "This change has problems:" : error.message}
      {atFields > 0 && <span> See the highlighted field{atFields > 1 ? "s" : ""}.</span>}
      {issues.length > 0 && (
        <ul>
          {issues.map((i, k) => (
            <li key={k}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "…: this change was based on revision 2, revision 3 is in force now" -> the part after the colon. */
function conflictDetail(message: string): string {
  const i = message.indexOf(": ");
  return i >= 0 ? message.slice(i + 2).replace(/^./, (c) => c.toUpperCase()) + "." : "";
}

/** An API issue's path relative to the intent's spec ("body.intent.spec.delay.percentage" -> "spec.delay.percentage"). */
export function specPath(path: string): string {
  return path.replace(/^body\.intent\./, "");
}

export function HistoryPanel({ intent, onApplied }: { intent: IntentView; onApplied(): void }) {
  const history = useQuery({ queryKey: ["intent-history", intent.id, intent.revision], queryFn: ({ signal }) => getJson<History>(`/api/intents/${intent.id}/revisions`, signal) });
  const [diffOf, setDiffOf] = useState<number | null>(null);
  const diff = useQuery({
    queryKey: ["intent-diff", intent.id, diffOf, intent.revision],
    queryFn: ({ signal }) => getJson<{ renderedDiff: string; intentDiff: string }>(`/api/intents/${intent.id}/diff?from=${diffOf}&to=${intent.revision}`, signal),
    enabled: diffOf !== null,
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [asking, setAsking] = useState<number | null>(null);
  const canEdit = useCanEdit();
  const rollback = async (to: number) => {
    setAsking(null);
    setError(null);
    try {
      await sendJson("POST", `/api/intents/${intent.id}/rollback`, { toRevision: to, expectedRevision: intent.revision });
      onApplied();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const target = history.data?.revisions.find((r) => r.number === asking);
  return (
    <details className="history" open>
      <summary>History</summary>
      {error && <ErrorBox error={error} />}
      {history.isPending ? (
        <p className="muted small">Loading history…</p>
      ) : history.error ? (
        <p className="alert">{history.error.message}</p>
      ) : (
        <table className="table table-compact" aria-label="Revisions">
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Change</th>
              <th scope="col">Message</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {history.data.revisions.map((r) => (
              <tr key={r.number} data-testid={`revision-${r.number}`}>
                <td>{r.number === intent.revision ? <strong>{r.number} (in force)</strong> : r.number}</td>
                <td className="small">{new Date(r.createdAt).toLocaleString()}</td>
                <td>{r.author}</td>
                <td className="mono small">{summary(r.spec)}</td>
                <td>{r.message}</td>
                <td>
                  {r.number !== intent.revision && (
                    <>
                      <button type="button" className="button button-small" onClick={() => setDiffOf(diffOf === r.number ? null : r.number)} aria-pressed={diffOf === r.number}>
                        Diff
                      </button>
                      <button type="button" className="button button-small" onClick={() => setAsking(r.number)} disabled={!canEdit}>
                        Roll back to {r.number}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {target && (
        <ConfirmDialog title={`Roll back to revision ${target.number}?`} confirmLabel={`Roll back to ${target.number}`} onCancel={() => setAsking(null)} onConfirm={() => void rollback(target.number)}>
          <p>This changes traffic in force now (revision {intent.revision}).</p>
          {weightsOf(intent.spec) && weightsOf(target.spec) ? (
            <WeightChange before={weightsOf(intent.spec)!} after={weightsOf(target.spec)!} />
          ) : (
            <pre className="code small">{target.yaml}</pre>
          )}
        </ConfirmDialog>
      )}
      {diffOf !== null && diff.data && (
        <div data-testid="history-diff">
          <h3>Revision {diffOf} → {intent.revision}</h3>
          <YamlDiff diff={diff.data.renderedDiff} empty="The generated objects are the same." />
        </div>
      )}
    </details>
  );
}

const weightsOf = (spec: unknown) => (spec as { weights?: { subset: string; weight: number }[] } | undefined)?.weights;

function summary(spec: unknown): string {
  const w = weightsOf(spec);
  return w ? w.map((x) => `${x.subset} ${x.weight}`).join(" / ") : JSON.stringify(spec).slice(0, 80);
}

