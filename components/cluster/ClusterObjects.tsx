"use client";

import Link from "next/link";
import { useState } from "react";
import { LoadError, Loading } from "../QueryStates";
import { ConfirmDialog } from "../traffic/ConfirmDialog";
import { YamlDiff } from "../traffic/YamlDiff";
import { type LiveObject, useAdopt, useCluster, useClusterObjects } from "./hooks";

const SYNC_CLASS = { "in sync": "ok", drifted: "bad", pending: "warn", orphaned: "warn" } as const;
const SYNC_HINT = {
  "in sync": "the live object is what Sextant generates",
  drifted: "someone changed it in the cluster",
  pending: "Sextant's output changed since the last apply",
  orphaned: "Sextant no longer generates it; the next apply prunes it",
} as const;

/** The Istio objects already in the cluster: who manages each, what the checks find, and whether Sextant's own have drifted. */
export function ClusterObjects() {
  const cluster = useCluster();
  const configured = cluster.data?.configured === true && !cluster.data.error;
  const q = useClusterObjects(configured);
  if (!configured) return null;
  return (
    <section aria-labelledby="cluster-objects-title" data-testid="cluster-objects">
      <h2 id="cluster-objects-title">In the cluster</h2>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <LoadError what="the cluster's objects" error={q.error} />
      ) : (
        <>
          {q.data.unavailable.map((u) => (
            <p key={u.kind} className="muted small">{u.kind}: {u.reason}</p>
          ))}
          {q.data.notApplied.length > 0 && (
            <p className="warn-text">
              Not in the cluster yet: {q.data.notApplied.map((o) => `${o.kind} ${o.namespace}/${o.name}`).join(", ")}. <Link href="/cluster">Preview the apply</Link>.
            </p>
          )}
          {q.data.objects.length === 0 ? <p className="muted">No Istio objects in the watched namespaces.</p> : q.data.objects.map((o) => <LiveObjectCard key={`${o.kind}/${o.namespace}/${o.name}`} o={o} />)}
        </>
      )}
    </section>
  );
}

function LiveObjectCard({ o }: { o: LiveObject }) {
  const adopt = useAdopt();
  const [confirm, setConfirm] = useState(false);
  return (
    <div className="card" data-testid={`live-${o.kind}-${o.name}`}>
      <div className="toolbar">
        <h3 className="grow">
          {o.kind} <span className="mono small">{o.namespace}/{o.name}</span>
        </h3>
        <span className="badge badge-muted" title="who manages this object">{o.managedBy.by === "sextant" ? "managed by Sextant" : `${o.managedBy.by}${o.managedBy.detail ? `: ${o.managedBy.detail}` : ""}`}</span>
        {o.sync && <span className={`badge ${SYNC_CLASS[o.sync.state]}`} title={SYNC_HINT[o.sync.state]} data-testid="sync-state">{o.sync.state}{o.sync.editedBy?.length ? ` (edited by ${o.sync.editedBy.join(", ")})` : ""}</span>}
      </div>
      {o.findings.length > 0 && (
        <ul className="findings">
          {o.findings.map((f, i) => (
            <li key={i} className={f.severity === "error" ? "bad" : "warn"}>
              <span className="mono">{f.code}{f.kiali ? ` (${f.kiali})` : ""}</span> {f.message} <span className="muted small">at {f.path}</span>
            </li>
          ))}
        </ul>
      )}
      {o.sync && o.sync.state !== "in sync" && (
        <>
          <YamlDiff diff={o.sync.diff} />
          <div className="toolbar">
            <Link className="button button-small" href="/cluster">Re-apply Sextant&apos;s version…</Link>
            {o.sync.state === "drifted" && o.kind === "VirtualService" && (
              <button type="button" className="button button-small" onClick={() => setConfirm(true)} disabled={adopt.isPending}>Adopt the live version…</button>
            )}
          </div>
          {adopt.error && <p role="alert" className="error-text">{adopt.error.message}</p>}
          {adopt.isSuccess && <p role="status" className="ok">Adopted: the intent is now at revision {adopt.data.intent.revision}.</p>}
        </>
      )}
      <details>
        <summary className="small">Live YAML</summary>
        <pre className="code">{o.yaml}</pre>
      </details>
      {confirm && (
        <ConfirmDialog title={`Adopt ${o.namespace}/${o.name} as edited in the cluster?`} confirmLabel="Adopt" onCancel={() => setConfirm(false)} onConfirm={() => {
          setConfirm(false);
          adopt.mutate({ kind: "VirtualService", namespace: o.namespace, name: o.name });
        }}>
          <p>The live weights become a new revision of the service&apos;s traffic-shift intent; proxies Sextant serves over xDS get them too.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
