"use client";

/** A small SVG line chart of request rate (and error rate) over time. */
export function Sparkline({ points, width = 280, height = 56 }: { points: { t: number; rps: number; errorRps: number }[]; width?: number; height?: number }) {
  if (points.length < 2) return <p className="muted small">Not enough history yet.</p>;
  const t0 = points[0]!.t;
  const t1 = points[points.length - 1]!.t;
  const max = Math.max(...points.map((p) => p.rps), 0.001);
  const x = (t: number) => ((t - t0) / Math.max(t1 - t0, 1)) * (width - 2) + 1;
  const y = (v: number) => height - 2 - (v / max) * (height - 6);
  const line = (key: "rps" | "errorRps") => points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
  const last = points[points.length - 1]!;
  return (
    <figure className="sparkline">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" height={height} preserveAspectRatio="none" style={{ maxWidth: width }} role="img" aria-label={`Requests per second over the last ${Math.round((t1 - t0) / 60)} minutes, now ${last.rps.toFixed(2)}; errors now ${last.errorRps.toFixed(2)} per second`}>
        <path d={line("rps")} fill="none" stroke="#2358c9" strokeWidth="1.5" />
        <path d={line("errorRps")} fill="none" stroke="#d62d2d" strokeWidth="1.2" />
      </svg>
      <figcaption className="muted small">
        <span className="legend-rps">■</span> requests/s (max {max.toFixed(2)}) <span className="legend-err">■</span> errors/s
      </figcaption>
    </figure>
  );
}
