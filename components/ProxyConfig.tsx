"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { getJson } from "./api";
import { download } from "./download";

export const CONFIG_TYPES = ["listener", "route", "cluster", "endpoint"] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];
type ProxyConfigBody = { resources: unknown[]; table: { columns: string[]; rows: string[][] } };

/**
 * What one proxy was sent, as `istioctl proxy-config` shows it: a table of
 * the key fields per type, or the full configuration as JSON with every
 * nested Any decoded; either can be copied or downloaded.
 */
export function ProxyConfig({ streamId, name }: { streamId: number; name: string }) {
  const [type, setType] = useState<ConfigType>("listener");
  const [view, setView] = useState<"table" | "json">("table");
  const [copied, setCopied] = useState("");
  const config = useQuery({
    queryKey: ["proxy-config", streamId, type],
    queryFn: ({ signal }) => getJson<ProxyConfigBody>(`/api/proxies/${streamId}/config?type=${type}`, signal),
  });
  const text = () => (view === "json" ? JSON.stringify(config.data?.resources ?? [], null, 2) : tsv(config.data?.table));
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text());
      setCopied("Copied.");
    } catch {
      setCopied("The browser refused the clipboard; use Download.");
    }
  };
  const file = `${name}-${type}s.${view === "json" ? "json" : "tsv"}`;
  return (
    <div className="card" data-testid="proxy-config-card">
      <div className="toolbar">
        <h2 className="grow">Configuration sent to {name}</h2>
        <label htmlFor="cfg-type">Type</label>
        <select id="cfg-type" className="input" value={type} onChange={(e) => setType(e.target.value as ConfigType)}>
          {CONFIG_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}s
            </option>
          ))}
        </select>
        <div role="tablist" aria-label="Show as">
          <button type="button" role="tab" aria-selected={view === "table"} className={view === "table" ? "button button-primary" : "button"} onClick={() => setView("table")}>
            Table
          </button>
          <button type="button" role="tab" aria-selected={view === "json"} className={view === "json" ? "button button-primary" : "button"} onClick={() => setView("json")}>
            JSON
          </button>
        </div>
        <button type="button" className="button" onClick={() => void copy()} disabled={!config.data}>
          Copy
        </button>
        <button type="button" className="button" onClick={() => download(new Blob([text()], { type: view === "json" ? "application/json" : "text/tab-separated-values" }), file)} disabled={!config.data}>
          Download
        </button>
        <span className="small muted" role="status">
          {copied}
        </span>
      </div>
      {config.isPending ? (
        <p className="muted">Loading…</p>
      ) : config.error ? (
        <p className="alert">{config.error.message}</p>
      ) : view === "json" ? (
        <pre className="code" data-testid="proxy-config">
          {JSON.stringify(config.data.resources, null, 2)}
        </pre>
      ) : config.data.table.rows.length === 0 ? (
        <p className="muted">Nothing of this type was sent.</p>
      ) : (
        <div className="table-scroll">
          <table className="table table-compact" aria-label={`${type}s of ${name}`} data-testid="proxy-config-table">
            <thead>
              <tr>
                {config.data.table.columns.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {config.data.table.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((cell, j) => (
                    <td key={j} className={j === 0 ? "mono small" : "small"}>
                      {cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const tsv = (t: ProxyConfigBody["table"] | undefined) => (t ? [t.columns, ...t.rows].map((r) => r.join("\t")).join("\n") + "\n" : "");
