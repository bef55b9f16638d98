"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { DetailMetrics } from "@/server/metrics/detail";
import { getJson, queryKeys } from "../api";
import { LoadError } from "../QueryStates";
import { type ChartSeries, LineChart } from "./LineChart";

const WINDOWS = [5, 10, 30, 60, 180];
const QUANTILES = ["p50", "p95", "p99"] as const;

/**
 * The charts of a detail page: requests, error share and latency per version
 * coming in, requests and errors per called service going out, over a window
 * the operator picks; refreshed every 15 s.
 */
export function DetailCharts({ kind, namespace, name }: { kind: "service" | "workload"; namespace: string; name: string }) {
  const [minutes, setMinutes] = useState(10);
  const [q, setQ] = useState<(typeof QUANTILES)[number]>("p95");
  const path = `/api/${kind === "service" ? "services" : "workloads"}/${namespace}/${name}/metrics?minutes=${minutes}`;
  const m = useQuery({ queryKey: queryKeys.detailMetrics(kind, namespace, name, minutes), queryFn: ({ signal }) => getJson<DetailMetrics>(path, signal), refetchInterval: 15_000 });
  const series = (list: DetailMetrics["inbound"], pick: (p: DetailMetrics["inbound"][number]["points"][number]) => number | null): ChartSeries[] =>
    list.map((s) => ({ name: s.key, points: s.points.map((p) => [p.t, pick(p)]) }));
  return (
    <section className="card" aria-labelledby={`charts-${kind}`}>
      <div className="toolbar">
        <h2 id={`charts-${kind}`} className="grow">
          Traffic
        </h2>
        <label htmlFor="detail-window">Window</label>
        <select id="detail-window" className="input" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          {WINDOWS.map((w) => (
            <option key={w} value={w}>
              last {w < 60 ? `${w} min` : `${w / 60} h`}
            </option>
          ))}
        </select>
        <label htmlFor="detail-quantile">Latency</label>
        <select id="detail-quantile" className="input" value={q} onChange={(e) => setQ(e.target.value as (typeof QUANTILES)[number])}>
          {QUANTILES.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
      </div>
      {m.isPending ? (
        <p className="muted">Loading charts…</p>
      ) : m.error ? (
        <LoadError what="traffic numbers" error={m.error} />
      ) : (
        <>
          <h3>Inbound, per version</h3>
          <div className="chart-grid">
            <LineChart title="Requests" unit="req/s" series={series(m.data.inbound, (p) => p.rps)} testId="chart-in-rps" />
            <LineChart title="Errors" unit="%" series={series(m.data.inbound, (p) => p.errorPercent)} testId="chart-in-errors" />
            <LineChart title={`Latency ${q}`} unit="ms" series={series(m.data.inbound, (p) => p[q])} testId="chart-in-latency" />
          </div>
          <h3>Outbound, per called service</h3>
          {m.data.outbound.length === 0 ? (
            <p className="muted small">It calls no other service in this window.</p>
          ) : (
            <div className="chart-grid">
              <LineChart title="Requests" unit="req/s" series={series(m.data.outbound, (p) => p.rps)} testId="chart-out-rps" />
              <LineChart title="Errors" unit="%" series={series(m.data.outbound, (p) => p.errorPercent)} testId="chart-out-errors" />
              <LineChart title={`Latency ${q}`} unit="ms" series={series(m.data.outbound, (p) => p[q])} testId="chart-out-latency" />
            </div>
          )}
        </>
      )}
    </section>
  );
}
