"use client";

import { useState } from "react";
import { type SubsetWeight, parseWeight, promote, setWeight, toggleLock, total } from "./weights";

/** Live shares of a service's requests per subset: over a short window ("now") and the last minute. */
export interface LiveShares {
  now: Record<string, number> | undefined;
  minute: Record<string, number> | undefined;
  /** The short window, in seconds (for the label). */
  nowSeconds: number;
}

/** How far (percentage points) "now" and the minute average may differ before the view says traffic is still converging. */
const CONVERGED_WITHIN = 5;

export function converging(live: LiveShares | undefined, subsets: string[]): boolean {
  if (!live?.now || !live.minute) return false;
  return subsets.some((s) => Math.abs((live.now![s] ?? 0) - (live.minute![s] ?? 0)) > CONVERGED_WITHIN);
}

/**
 * One slider per subset, linked so the total is always 100: drag or use the
 * arrow keys on a slider, or type an exact number (committed on Enter or when
 * the box loses focus; Escape puts the weight back); lock a subset to keep it
 * still; promote one subset to take all traffic. Beside each weight: its live
 * share of traffic now and over the last minute.
 */
export function WeightSliders({ weights, live, onChange, disabled }: { weights: SubsetWeight[]; live: LiveShares | undefined; onChange(ws: SubsetWeight[]): void; disabled?: boolean }) {
  const settling = converging(live, weights.map((w) => w.subset));
  const pct = (m: Record<string, number> | undefined, s: string) => (m ? `${(m[s] ?? 0).toFixed(0)}%` : "…");
  return (
    <div className="sliders" role="group" aria-label="Traffic weights">
      {weights.map((w, i) => (
        <div className="slider-row" key={w.subset} data-testid={`weight-${w.subset}`}>
          <span className="chip chip-subset slider-name">{w.subset}</span>
          <input
            type="range"
            min={0}
            max={100}
            step={1}
            value={w.weight}
            disabled={disabled || w.locked}
            aria-label={`Weight of ${w.subset}`}
            aria-valuetext={`${w.weight} percent`}
            onChange={(e) => onChange(setWeight(weights, i, Number(e.target.value)))}
          />
          <WeightBox subset={w.subset} weight={w.weight} disabled={disabled || w.locked} onCommit={(n) => onChange(setWeight(weights, i, n))} />
          <span className="muted">%</span>
          <label className="check small">
            <input type="checkbox" checked={w.locked} disabled={disabled} onChange={() => onChange(toggleLock(weights, i))} aria-label={`Lock ${w.subset}`} /> lock
          </label>
          <button type="button" className="button button-small" disabled={disabled} onClick={() => onChange(promote(weights, w.subset))}>
            Promote {w.subset}
          </button>
          <span className="muted small live-share" data-testid={`live-${w.subset}`}>
            live now <strong>{pct(live?.now, w.subset)}</strong> · 1 min {pct(live?.minute, w.subset)}
          </span>
        </div>
      ))}
      <div className="small muted" aria-live="polite" data-testid="weight-total">
        Total {total(weights)}%
        {settling && (
          <span className="warn" data-testid="converging">
            {" "}
            · converging: traffic of the last {live!.nowSeconds} s differs from the minute average by more than {CONVERGED_WITHIN} points
          </span>
        )}
      </div>
    </div>
  );
}

/**
 * The exact-weight box: edited freely as text (it can be emptied and retyped),
 * committed on Enter or blur; what is not a whole number 0-100 is refused with
 * a message and the weight stays as it was.
 */
function WeightBox({ subset, weight, disabled, onCommit }: { subset: string; weight: number; disabled?: boolean; onCommit(n: number): void }) {
  const [text, setText] = useState<string | null>(null); // null: not being edited, show the weight
  const [bad, setBad] = useState(false);
  const commit = () => {
    if (text === null) return;
    const n = parseWeight(text);
    if (n === undefined) {
      setBad(true);
      return;
    }
    setBad(false);
    setText(null);
    if (n !== weight) onCommit(n);
  };
  const errorId = `weight-error-${subset}`;
  return (
    <>
      <input
        type="text"
        inputMode="numeric"
        className="input weight-input"
        value={text ?? String(weight)}
        disabled={disabled}
        aria-label={`${subset} weight, exact`}
        aria-invalid={bad}
        aria-describedby={bad ? errorId : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setBad(false);
        }}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          } else if (e.key === "Escape") {
            setText(null);
            setBad(false);
          }
        }}
      />
      {bad && (
        <span id={errorId} className="error-text small" role="alert">
          a whole number from 0 to 100
        </span>
      )}
    </>
  );
}
