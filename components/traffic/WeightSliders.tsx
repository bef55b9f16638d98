"use client";

import { type SubsetWeight, promote, setWeight, toggleLock, total } from "./weights";

/**
 * One slider per subset, linked so the total is always 100: drag or use the
 * arrow keys on a slider, or type an exact number; lock a subset to keep it
 * still; promote one subset to take all traffic. Shows each subset's live
 * share of traffic beside its weight.
 */
export function WeightSliders({ weights, live, onChange, disabled }: { weights: SubsetWeight[]; live: Record<string, number> | undefined; onChange(ws: SubsetWeight[]): void; disabled?: boolean }) {
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
          <input
            type="number"
            className="input weight-input"
            min={0}
            max={100}
            value={w.weight}
            disabled={disabled || w.locked}
            aria-label={`${w.subset} weight, exact`}
            onChange={(e) => {
              if (e.target.value !== "") onChange(setWeight(weights, i, Number(e.target.value)));
            }}
          />
          <span className="muted">%</span>
          <label className="check small">
            <input type="checkbox" checked={w.locked} disabled={disabled} onChange={() => onChange(toggleLock(weights, i))} aria-label={`Lock ${w.subset}`} /> lock
          </label>
          <button type="button" className="button button-small" disabled={disabled} onClick={() => onChange(promote(weights, w.subset))}>
            Promote {w.subset}
          </button>
          <span className="muted small live-share" title="Share of this service's requests in the last minute">
            live: {live ? `${(live[w.subset] ?? 0).toFixed(0)}%` : "…"}
          </span>
        </div>
      ))}
      <div className="small muted" aria-live="polite" data-testid="weight-total">
        Total {total(weights)}%
      </div>
    </div>
  );
}
