"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { getJson, queryKeys } from "../api";
import { LoadError, Loading } from "../QueryStates";
import { AddTarget } from "./AddTarget";
import { CompareArchive } from "./Compare";
import { TargetCard } from "./TargetCard";
import { useCan } from "../auth/hooks";
import { useTargets } from "./hooks";

type Export = { files: { path: string; text: string }[] };

/**
 * The GitOps export: the objects in force laid out as the directory Argo CD or Flux reads
 * (a file per object under its namespace, kustomizations), to browse and download.
 */
export function GitOpsView() {
  const q = useQuery({ queryKey: queryKeys.gitopsExport(), queryFn: ({ signal }) => getJson<Export>("/api/gitops/export", signal), refetchInterval: 15_000 });
  const [open, setOpen] = useState<string | null>(null);
  const targets = useTargets();
  const isAdmin = useCan("admin");
  const files = q.data?.files ?? [];
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">GitOps</h1>
        {q.data && <span className="muted">{files.filter((f) => !f.path.endsWith("kustomization.yaml")).length} objects</span>}
        <div className="spacer" />
        <a className="button" href="/api/gitops/export?format=tar.gz" download>Download .tar.gz</a>
        <a className="button" href="/api/gitops/export?format=yaml" download>Download YAML</a>
      </header>
      <p className="muted">
        What Sextant generates, as a Git repository would hold it: <code>&lt;namespace&gt;/&lt;kind&gt;-&lt;name&gt;.yaml</code>, a <code>kustomization.yaml</code> per namespace and one at the root (<code>kubectl kustomize</code> builds it). The same state always gives the same bytes, so diffs show only what changed.
      </p>
      <h2>Git targets</h2>
      {targets.isPending ? <Loading /> : targets.error ? <LoadError what="the Git targets" error={targets.error} /> : (
        <>
          {targets.data.targets.length === 0 && <p className="muted">No Git target yet: add the repository Argo CD or Flux reads.</p>}
          {targets.data.targets.map((t) => <TargetCard key={t.id} t={t} />)}
          {isAdmin ? <AddTarget secretsEnabled={targets.data.secretsEnabled} /> : <p className="muted">Only admins add Git targets.</p>}
          <CompareArchive />
        </>
      )}
      <h2>The export</h2>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <LoadError what="the export" error={q.error} />
      ) : files.length === 0 ? (
        <div className="empty" role="status"><p>Nothing to export yet: apply an intent on a service&apos;s page or a SmartLimiter on the Rate limits page.</p></div>
      ) : (
        <ul className="plan" aria-label="Export files" data-testid="export-files">
          {files.map((f) => (
            <li key={f.path}>
              <details open={open === f.path} onToggle={(e) => (e.currentTarget.open ? setOpen(f.path) : open === f.path && setOpen(null))}>
                <summary className="mono">{f.path}</summary>
                <pre className="code">{f.text}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
