"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useId, useMemo, useRef, useState } from "react";
import type { ServiceList } from "@/server/mesh/catalog";
import type { Graph, GraphType } from "@/server/metrics/graph/types";
import { ApiError, getJson, queryKeys } from "../api";
import { download } from "../download";
import { useSlashToFocus } from "../useSlashToFocus";
import { CytoscapeGraph, type CytoscapeGraphHandle, LARGE_GRAPH_EDGES, type Selection } from "./CytoscapeGraph";
import { BADGES, type InForce, nodeBadges } from "./badges";
import { EDGE_LABEL_MODES, type EdgeLabelMode, findableEdge, findableNode } from "./elements";
import { parseFind } from "./find";
import { GraphSidePanel } from "./GraphSidePanel";
import { LAYOUT_LABELS, type LayoutName } from "./layouts";
import { HEALTH_COLORS } from "./styles";

const GRAPH_TYPE_LABELS: Record<GraphType, string> = { versionedApp: "Versioned app", app: "App", workload: "Workload", service: "Service" };
const DURATIONS = ["1m", "5m", "10m", "30m", "1h"];
const REFRESH: Record<string, number | false> = { "5s": 5000, "10s": 10000, "30s": 30000, "1m": 60000, off: false };

/** Options live in the URL, so a view can be shared and survives a reload. */
function useGraphOptions() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const get = (k: string, d: string) => params.get(k) ?? d;
  const options = {
    namespaces: (params.get("namespaces") ?? "").split(",").filter(Boolean),
    graphType: (Object.keys(GRAPH_TYPE_LABELS).includes(get("graphType", "")) ? get("graphType", "") : "versionedApp") as GraphType,
    duration: DURATIONS.includes(get("duration", "")) ? get("duration", "") : "1m",
    refresh: get("refresh", "") in REFRESH ? get("refresh", "") : "10s",
    /** undefined: not chosen; the view picks "rate", or "none" for large graphs. */
    edgeLabelsChosen: (get("edgeLabels", "") in EDGE_LABEL_MODES ? get("edgeLabels", "") : undefined) as EdgeLabelMode | undefined,
    layout: (get("layout", "") in LAYOUT_LABELS ? get("layout", "") : "layered") as LayoutName,
    idle: params.get("idle") === "true",
    /** A node to select (and so centre) on arrival, e.g. from a detail page. */
    focus: params.get("focus") ?? undefined,
  };
  const set = useCallback(
    (patch: Partial<Record<keyof typeof options | "edgeLabels", string | boolean | string[]>>) => {
      const next = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(patch)) {
        const value = Array.isArray(v) ? v.join(",") : String(v);
        if (value === "" || value === "false") next.delete(k);
        else next.set(k, value);
      }
      router.replace(`${pathname}?${next.toString()}`, { scroll: false });
    },
    [params, pathname, router],
  );
  return [options, set] as const;
}

export function GraphView() {
  const [opts, setOpts] = useGraphOptions();
  const [paused, setPaused] = useState(false);
  const [find, setFind] = useState("");
  const [selection, setSelection] = useState<Selection | null>(() => (opts.focus ? { kind: "node", id: opts.focus } : null));
  const graphRef = useRef<CytoscapeGraphHandle>(null);
  const findRef = useRef<HTMLInputElement>(null);
  const ids = { type: useId(), ns: useId(), dur: useId(), refresh: useId(), labels: useId(), layout: useId(), find: useId() };
  const refreshMs = paused ? false : (REFRESH[opts.refresh] ?? 10000);
  // Thousands of edge labels cost the browser seconds and say little at that zoom: off for
  // large graphs unless chosen.
  const [lastEdgeCount, setLastEdgeCount] = useState(0);
  const edgeLabels: EdgeLabelMode = opts.edgeLabelsChosen ?? (lastEdgeCount > LARGE_GRAPH_EDGES ? "none" : "rate");

  const services = useQuery({ queryKey: queryKeys.services([]), queryFn: ({ signal }) => getJson<ServiceList>("/api/services", signal) });
  // What is in force, for the badges: intents and SmartLimiters (a failure leaves the graph without badges).
  const intents = useQuery({ queryKey: queryKeys.intents(), queryFn: ({ signal }) => getJson<{ intents: InForce[] }>("/api/intents", signal), refetchInterval: 30_000 });
  const limiters = useQuery({ queryKey: queryKeys.limiters(), queryFn: ({ signal }) => getJson<{ limiters: { namespace: string; name: string }[] }>("/api/limiters", signal), refetchInterval: 30_000 });
  const allNamespaces = services.data?.namespaces ?? [];

  // Response times read Prometheus's histograms, the costliest part of a graph: only when shown.
  const responseTime = edgeLabels === "p95" ? "p95" : "none";
  const { data, error, isPending, isFetching, dataUpdatedAt, errorUpdatedAt, refetch } = useQuery({
    queryKey: queryKeys.graph({ namespaces: opts.namespaces, graphType: opts.graphType, duration: opts.duration, idle: opts.idle, responseTime }),
    queryFn: ({ signal }) => {
      const q = new URLSearchParams({ graphType: opts.graphType, duration: opts.duration, idle: String(opts.idle), responseTime });
      opts.namespaces.forEach((ns) => q.append("namespace", ns));
      return getJson<Graph>(`/api/graph?${q.toString()}`, signal);
    },
    refetchInterval: refreshMs,
    retry: false,
  });

  // Derived during render (React's "adjust state when a prop changes" pattern), not in an effect.
  if (data && data.edges.length !== lastEdgeCount) setLastEdgeCount(data.edges.length);

  const findResult = useMemo(() => parseFind(find), [find]);
  const highlight = useMemo(() => {
    if (!data || !findResult.ok || findResult.empty) return null;
    const labels = new Map(data.nodes.map((n) => [n.id, n.label]));
    const hits = new Set<string>();
    for (const n of data.nodes) if (n.kind !== "box" && findResult.test(findableNode(n))) hits.add(n.id);
    for (const e of data.edges) if (findResult.test(findableEdge(e, labels))) hits.add(e.id);
    return hits;
  }, [data, findResult]);
  const badges = useMemo(() => {
    const inForce: InForce[] = [...(intents.data?.intents ?? []), ...(limiters.data?.limiters ?? []).map((l) => ({ namespace: l.namespace, target: l.name, kind: "rate-limit" }))];
    return data ? nodeBadges(data.nodes, inForce) : new Map<string, string[]>();
  }, [data, intents.data, limiters.data]);

  const clearSelection = useCallback(() => setSelection(null), []);
  useSlashToFocus(findRef, clearSelection);

  const stamp = () => new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const nodeCount = data ? data.nodes.filter((n) => n.kind !== "box").length : 0;

  return (
    <section className="page graph-page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Graph</h1>
        {data && (
          <span className="muted" data-testid="graph-summary">
            {nodeCount} nodes, {data.edges.length} edges · {data.source.kind === "demo" ? "demo telemetry" : "Prometheus"}
          </span>
        )}
        <div className="spacer" />
        <span className="muted small" aria-live="polite" data-testid="last-updated">
          {isFetching ? "Refreshing… " : ""}
          {dataUpdatedAt ? `Updated ${new Date(dataUpdatedAt).toLocaleTimeString()}` : ""}
        </span>
        <button type="button" className="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? "Resume" : "Pause"}
        </button>
        <button type="button" className="button" onClick={() => void refetch()} disabled={isFetching}>
          Refresh
        </button>
      </header>

      <div className="toolbar toolbar-wrap">
        <label htmlFor={ids.type}>Graph type</label>
        <select id={ids.type} className="input" value={opts.graphType} onChange={(e) => setOpts({ graphType: e.target.value })}>
          {Object.entries(GRAPH_TYPE_LABELS).map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        <details className="ns-picker">
          <summary className="input" id={ids.ns}>
            {opts.namespaces.length === 0 ? "All namespaces" : opts.namespaces.join(", ")}
          </summary>
          <fieldset aria-labelledby={ids.ns}>
            {allNamespaces.length === 0 && <p className="muted small">No namespaces in the registry.</p>}
            {allNamespaces.map((ns) => (
              <label key={ns} className="check">
                <input
                  type="checkbox"
                  checked={opts.namespaces.includes(ns)}
                  onChange={(e) => setOpts({ namespaces: e.target.checked ? [...opts.namespaces, ns] : opts.namespaces.filter((x) => x !== ns) })}
                />
                {ns}
              </label>
            ))}
          </fieldset>
        </details>
        <label htmlFor={ids.dur}>Last</label>
        <select id={ids.dur} className="input" value={opts.duration} onChange={(e) => setOpts({ duration: e.target.value })}>
          {DURATIONS.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <label htmlFor={ids.refresh}>Every</label>
        <select id={ids.refresh} className="input" value={opts.refresh} onChange={(e) => setOpts({ refresh: e.target.value })}>
          {Object.keys(REFRESH).map((r) => (
            <option key={r} value={r}>
              {r === "off" ? "manual" : r}
            </option>
          ))}
        </select>
        <label htmlFor={ids.labels}>Edge labels</label>
        <select id={ids.labels} className="input" value={edgeLabels} onChange={(e) => setOpts({ edgeLabels: e.target.value })}>
          {Object.entries(EDGE_LABEL_MODES).map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        <label htmlFor={ids.layout}>Layout</label>
        <select id={ids.layout} className="input" value={opts.layout} onChange={(e) => setOpts({ layout: e.target.value })}>
          {Object.entries(LAYOUT_LABELS).map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={opts.idle} onChange={(e) => setOpts({ idle: e.target.checked })} /> Show idle
        </label>
      </div>

      <div className="toolbar toolbar-wrap">
        <label htmlFor={ids.find}>Find</label>
        <input
          id={ids.find}
          ref={findRef}
          className={`input find-input${findResult.ok ? "" : " input-error"}`}
          placeholder="error>5  rps>10  name=reviews  ( / )"
          value={find}
          onChange={(e) => setFind(e.target.value)}
          aria-invalid={!findResult.ok}
          aria-describedby={`${ids.find}-help`}
        />
        <span id={`${ids.find}-help`} className={findResult.ok ? "muted small" : "error-text small"} data-testid="find-status">
          {!findResult.ok ? findResult.error : highlight ? `${highlight.size} match${highlight.size === 1 ? "" : "es"}` : ""}
        </span>
        <div className="spacer" />
        <button type="button" className="button" onClick={() => graphRef.current?.fit()} disabled={!data}>
          Fit
        </button>
        <button type="button" className="button" onClick={() => graphRef.current?.zoomBy(1.25)} disabled={!data} aria-label="Zoom in">
          +
        </button>
        <button type="button" className="button" onClick={() => graphRef.current?.zoomBy(0.8)} disabled={!data} aria-label="Zoom out">
          −
        </button>
        <button type="button" className="button" onClick={() => graphRef.current?.relayout()} disabled={!data}>
          Re-layout
        </button>
        <button type="button" className="button" onClick={() => graphRef.current && download(graphRef.current.png(), `sextant-graph-${stamp()}.png`)} disabled={!data}>
          Export PNG
        </button>
        <button
          type="button"
          className="button"
          onClick={() => data && download(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }), `sextant-graph-${stamp()}.json`)}
          disabled={!data}
        >
          Export JSON
        </button>
      </div>

      {error && data && (
        <div className="alert" role="alert" data-testid="stale-banner">
          <strong>Showing the graph from {new Date(dataUpdatedAt).toLocaleTimeString()}; it is stale.</strong> Refreshing at {new Date(errorUpdatedAt).toLocaleTimeString()} failed: {error.message}
          {error instanceof ApiError && error.requestId && <span className="muted small"> (request {error.requestId})</span>}
        </div>
      )}

      {isPending ? (
        <div className="loading" role="status">
          <span className="spinner" aria-hidden="true" /> Loading the graph…
        </div>
      ) : error && !data ? (
        <div className="alert" role="alert">
          <strong>Cannot draw the graph: </strong>
          {error.message}
          <button type="button" className="button button-small" onClick={() => void refetch()}>
            Retry
          </button>
        </div>
      ) : data ? (
        <div className="graph-body">
          <div className="graph-main">
            {data.edges.length === 0 && (
              <div className="graph-empty" role="status">
                No traffic in the last {opts.duration}
                {opts.namespaces.length ? ` in ${opts.namespaces.join(", ")}` : ""}.{" "}
                {opts.idle ? "" : "Tick “Show idle” to see services without traffic."}
              </div>
            )}
            <CytoscapeGraph ref={graphRef} graph={data} edgeLabels={edgeLabels} layout={opts.layout} highlight={highlight} selected={selection} onSelect={setSelection} fitKey={`${opts.graphType}|${opts.namespaces.join(",")}`} badges={badges} />
            <Legend />
          </div>
          {selection && <GraphSidePanel graph={data} selection={selection} duration={opts.duration} refreshMs={refreshMs} onClose={() => setSelection(null)} />}
        </div>
      ) : null}
    </section>
  );
}

function Legend() {
  return (
    <div className="legend small" aria-label="Legend">
      {(["healthy", "degraded", "failure", "idle"] as const).map((h) => (
        <span key={h}>
          <span className="dot" style={{ background: HEALTH_COLORS[h] }} aria-hidden="true" /> {h}
        </span>
      ))}
      <span>○ workload</span>
      <span>▢ app</span>
      <span>△ service</span>
      <span>◇ unknown</span>
      <span>- - TCP</span>
      <span title="What is in force on a service (its nodes, and the edges into it for routing changes)">
        in force:{" "}
        {Object.values(BADGES).map((b) => (
          <span key={b.label} className="badge-key">
            {b.glyph} {b.label}
          </span>
        ))}
      </span>
    </div>
  );
}
