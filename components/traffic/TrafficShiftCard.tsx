"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import type { IntentView } from "@/server/intents/service";
import { type ApiError, getJson } from "../api";
import { sendJson } from "../api-write";
import { ConfirmDialog, WeightChange } from "./ConfirmDialog";
import { ErrorBox, HistoryPanel, PreviewPanel, usePreview } from "./IntentPanels";
import { EditFieldset } from "./editing";
import { type LiveShares, WeightSliders } from "./WeightSliders";
import { type SubsetWeight, equalSplit, movedShare } from "./weights";

export type ShiftResult = { ok?: string; error?: ApiError };

/** Changes that move more than this share of traffic (percentage points) are confirmed; the operator sets it, kept in this browser. */
const CONFIRM_KEY = "sextant.confirmShiftAbove";
const DEFAULT_CONFIRM_ABOVE = 20;

function useConfirmThreshold(): [number, (n: number) => void] {
  const [value, setValue] = useState(() => {
    const raw = typeof window === "undefined" ? null : window.localStorage.getItem(CONFIRM_KEY);
    const stored = Number(raw);
    return raw !== null && raw !== "" && Number.isInteger(stored) && stored >= 0 && stored <= 100 ? stored : DEFAULT_CONFIRM_ABOVE;
  });
  return [
    value,
    (n: number) => {
      setValue(n);
      window.localStorage.setItem(CONFIRM_KEY, String(n));
    },
  ];
}

export function weightsFrom(subsets: string[], intent: IntentView | undefined): SubsetWeight[] {
  const spec = intent?.spec as { weights?: { subset: string; weight: number }[] } | undefined;
  if (!spec?.weights) return equalSplit(subsets);
  const names = [...new Set([...subsets, ...spec.weights.map((w) => w.subset)])];
  return names.map((subset) => ({ subset, weight: spec.weights!.find((w) => w.subset === subset)?.weight ?? 0, locked: false }));
}

/**
 * Canary weights of one service: sliders, preview, Apply with a confirmation
 * when the change moves more traffic than the operator's threshold (before ->
 * after per subset), and a reload-and-reapply offer when someone else changed
 * the weights meanwhile. Re-mounted on each new revision; the result of the
 * last apply is kept by the page, and focus returns to this card after it.
 */
export function TrafficShiftCard({
  namespace,
  name,
  subsets,
  intent,
  live,
  hostVersion,
  onApplied,
  result,
  setResult,
}: {
  namespace: string;
  name: string;
  subsets: string[];
  intent: IntentView | undefined;
  live: LiveShares | undefined;
  hostVersion: string;
  onApplied(): void;
  result: ShiftResult;
  setResult(r: ShiftResult): void;
}) {
  const inForce = useMemo(() => weightsFrom(subsets, intent), [subsets, intent]);
  const [weights, setWeights] = useState(inForce);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirmAbove, setConfirmAbove] = useConfirmThreshold();
  const [asking, setAsking] = useState<{ before: SubsetWeight[]; expectedRevision: number } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const plain = (ws: SubsetWeight[]) => ws.map(({ subset, weight }) => ({ subset, weight }));
  const draft = { kind: "traffic-shift", namespace, target: name, spec: { protocol: "http", weights: plain(weights) } };
  const changed = JSON.stringify(weights.map((w) => w.weight)) !== JSON.stringify(inForce.map((w) => w.weight)) || !intent;
  const preview = usePreview({ intent: draft }, true, hostVersion);

  // Back on this card after an apply (the card is new: it re-mounted on the new revision).
  useEffect(() => {
    if (result.ok) heading.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const edit = (ws: SubsetWeight[]) => {
    setWeights(ws);
    if (result.ok || result.error) setResult({}); // a message about an earlier apply is stale now
  };

  const put = async (expectedRevision: number) => {
    setAsking(null);
    setBusy(true);
    setResult({});
    try {
      const r = await sendJson<{ intent: IntentView }>("PUT", "/api/intents", { intent: draft, expectedRevision, message });
      setResult({ ok: `Applied revision ${r.intent.revision}.` });
      setMessage("");
      onApplied();
    } catch (e) {
      setResult({ error: e as ApiError });
    } finally {
      setBusy(false);
    }
  };
  /** Apply against `before` (the weights in force at `expectedRevision`), asking first when it moves a lot. */
  const applyAgainst = (before: SubsetWeight[], expectedRevision: number) => {
    if (movedShare(plain(before), plain(weights)) > confirmAbove) setAsking({ before, expectedRevision });
    else void put(expectedRevision);
  };
  const reloadAndReapply = async () => {
    setResult({});
    try {
      const now = await getJson<{ intents: IntentView[] }>(`/api/intents?namespace=${namespace}&target=${name}`);
      const current = now.intents.find((i) => i.kind === "traffic-shift");
      applyAgainst(weightsFrom(subsets, current), current?.revision ?? 0);
    } catch (e) {
      setResult({ error: e as ApiError });
    }
  };

  return (
    <div className="card" aria-labelledby="shift-title" data-testid="shift-card">
      <h2 id="shift-title" ref={heading} tabIndex={-1}>
        Traffic shifting
      </h2>
      <p className="muted small">
        {intent ? `In force: revision ${intent.revision} by ${intent.author}${intent.message ? ` (“${intent.message}”)` : ""}.` : "No traffic-shifting intent yet: traffic is spread over all versions by the platform."}
      </p>
      <EditFieldset>
      <WeightSliders weights={weights} live={live} onChange={edit} disabled={busy} />
      <div className="toolbar">
        <button type="button" className="button" onClick={() => edit(inForce)} disabled={busy}>
          Reset
        </button>
        <label htmlFor="shift-message" className="visually-hidden">
          Change message
        </label>
        <input id="shift-message" className="input grow" placeholder="Why (kept in the history)" value={message} maxLength={500} onChange={(e) => setMessage(e.target.value)} />
        <button type="button" className="button button-primary" onClick={() => applyAgainst(inForce, intent?.revision ?? 0)} disabled={busy || !changed || !!preview.preview?.findings.some((f) => f.severity === "error")}>
          {busy ? "Applying…" : "Apply"}
        </button>
      </div>
      <label className="small muted">
        Ask before moving more than{" "}
        <input
          type="number"
          className="input input-tiny"
          min={0}
          max={100}
          value={confirmAbove}
          aria-label="Confirm changes moving more than this percent of traffic"
          onChange={(e) => {
            const n = Number(e.target.value);
            if (e.target.value !== "" && Number.isInteger(n) && n >= 0 && n <= 100) setConfirmAbove(n);
          }}
        />
        % of traffic
      </label>
      </EditFieldset>
      {result.ok && (
        <p className="ok" role="status">
          {result.ok}
        </p>
      )}
      {result.error && <ErrorBox error={result.error} onReload={() => void reloadAndReapply()} />}
      {asking && (
        <ConfirmDialog title={`Move ${movedShare(plain(asking.before), plain(weights))}% of ${name}'s traffic?`} confirmLabel="Apply" onCancel={() => setAsking(null)} onConfirm={() => void put(asking.expectedRevision)}>
          <WeightChange before={plain(asking.before)} after={plain(weights)} />
        </ConfirmDialog>
      )}
      <PreviewPanel state={preview} />
      {intent && <HistoryPanel intent={intent} onApplied={onApplied} />}
    </div>
  );
}
