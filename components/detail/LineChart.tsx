"use client";

/** Colours for series, in order (versions v1, v2, v3... or called services). */
export const SERIES_COLORS = ["#2358c9", "#d9822b", "#1d8a4e", "#8e44ad", "#c53030", "#0f9bb3", "#6b7280"];

export interface ChartSeries {
  name: string;
  /** [unix seconds, value or null (no data)] */
  points: [number, number | null][];
}

/**
 * A small multi-series line chart in SVG, scaled to its container's width.
 * The figure's label says what it shows and each series' latest value, for
 * screen readers; gaps (null) break the line.
 */
export function LineChart({ title, unit, series, height = 120, testId }: { title: string; unit: string; series: ChartSeries[]; height?: number; testId?: string }) {
  const width = 400;
  const all = series.flatMap((s) => s.points);
  const values = all.map(([, v]) => v).filter((v): v is number => v !== null);
  if (values.length === 0) {
    return (
      <figure className="chart" data-testid={testId}>
        <figcaption className="chart-title">{title}</figcaption>
        <p className="muted small">No data in this window.</p>
      </figure>
    );
  }
  const t0 = Math.min(...all.map(([t]) => t));
  const t1 = Math.max(...all.map(([t]) => t));
  const max = Math.max(...values, 1e-9);
  const pad = { l: 4, r: 4, t: 6, b: 4 };
  const x = (t: number) => pad.l + ((t - t0) / Math.max(t1 - t0, 1)) * (width - pad.l - pad.r);
  const y = (v: number) => height - pad.b - (v / max) * (height - pad.t - pad.b);
  const path = (pts: [number, number | null][]) => {
    let d = "";
    let pen = false;
    for (const [t, v] of pts) {
      if (v === null) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
    }
    return d.trim();
  };
  const latest = (s: ChartSeries) => [...s.points].reverse().find(([, v]) => v !== null)?.[1];
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const summary = series.map((s) => `${s.name} ${fmt(latest(s))} ${unit}`).join(", ");
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart-title">
        {title} <span className="muted small">(max {fmt(max)} {unit})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" height={height} preserveAspectRatio="none" role="img" aria-label={`${title}, now: ${summary}`}>
        <line x1={pad.l} x2={width - pad.r} y1={height - pad.b} y2={height - pad.b} stroke="#e3e6eb" />
        {series.map((s, i) => (
          <path key={s.name} d={path(s.points)} fill="none" stroke={SERIES_COLORS[i % SERIES_COLORS.length]} strokeWidth="1.6" vectorEffect="non-scaling-stroke" />
        ))}
      </svg>
      <div className="chart-legend small">
        {series.map((s, i) => (
          <span key={s.name}>
            <span className="swatch" style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} aria-hidden="true" /> {s.name} <strong>{fmt(latest(s))}</strong> {unit}
          </span>
        ))}
      </div>
    </figure>
  );
}
