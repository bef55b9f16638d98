"use client";

import { useMutation } from "@tanstack/react-query";
import { sendJson } from "../api-write";
import { YamlDiff } from "../traffic/YamlDiff";

/** Import and compare: a target's branch, or an uploaded .tar.gz, against Sextant's state, per object. */
export type Comparison = { kind: string; namespace: string; name: string; state: "same" | "differs" | "only in Git" | "only in Sextant"; file?: string; diff: string };

const STATE_CLASS: Record<Comparison["state"], string> = { same: "ok", differs: "warn", "only in Git": "bad", "only in Sextant": "warn" };

export function ComparisonList({ objects }: { objects: Comparison[] }) {
  const differing = objects.filter((o) => o.state !== "same");
  return (
    <div data-testid="comparison">
      <p className="muted small">{objects.length} objects: {objects.length - differing.length} the same, {differing.length} not.</p>
      <ul className="plan">
        {differing.map((o) => (
          <li key={`${o.kind}/${o.namespace}/${o.name}`}>
            <details>
              <summary><span className={`badge ${STATE_CLASS[o.state]}`}>{o.state}</span> {o.kind} <span className="mono">{o.namespace}/{o.name}</span>{o.file ? <span className="muted small"> in {o.file}</span> : null}</summary>
              {o.state === "only in Git" ? <p className="muted small">Sextant does not generate this object; it is left as it is.</p> : <YamlDiff diff={o.diff} />}
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function useCompareTarget(id: string) {
  return useMutation({ mutationFn: () => sendJson<{ objects: Comparison[] }>("POST", `/api/gitops/targets/${id}/compare`, {}) });
}

/** Upload a .tar.gz (a repository's directory, or an export) and compare it. */
export function CompareArchive() {
  const m = useMutation({
    mutationFn: async (file: File) => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let bin = "";
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return sendJson<{ objects: Comparison[] }>("POST", "/api/gitops/compare", { archive: btoa(bin) });
    },
  });
  return (
    <div className="card">
      <h2>Compare an archive</h2>
      <label className="form-field">A .tar.gz of a repository&apos;s directory, or an export
        <input type="file" accept=".tar.gz,.tgz,application/gzip" onChange={(e) => e.target.files?.[0] && m.mutate(e.target.files[0])} disabled={m.isPending} />
      </label>
      {m.isPending && <p className="muted">Comparing…</p>}
      {m.error && <p role="alert" className="error-text">{m.error.message}</p>}
      {m.data && <ComparisonList objects={m.data.objects} />}
    </div>
  );
}
