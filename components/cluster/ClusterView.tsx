"use client";

import { LoadError, Loading } from "../QueryStates";
import { ApplyPanel } from "./ApplyPanel";
import { AutoApply } from "./AutoApply";
import { ImportLimiters } from "./ImportLimiters";
import { useCluster } from "./hooks";
import { useCan } from "../auth/hooks";

/** The configured Kubernetes cluster: connection, each informer's state, and apply with a dry-run diff. */
export function ClusterView() {
  const q = useCluster();
  const canOperate = useCan("operate");
  const isAdmin = useCan("admin");
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Cluster</h1>
        {q.data?.configured && q.data.context && <span className="muted">context <span className="mono">{q.data.context}</span></span>}
      </header>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <LoadError what="the cluster status" error={q.error} />
      ) : !q.data.configured ? (
        <div className="empty" role="status">
          <p>
            No Kubernetes cluster is configured, so Sextant shows its built-in demo mesh. Start Sextant with <code>KUBECONFIG</code> set (and <code>SEXTANT_KUBE_CONTEXT</code> to pick a context), or run it in the cluster with its service account, to read the
            cluster&apos;s services and apply the generated objects to it.
          </p>
        </div>
      ) : (
        <>
          <div className="card">
            <h2>Connection</h2>
            {q.data.error ? <p role="alert" className="error-text">{q.data.error}</p> : <p>API server <span className="mono">{q.data.server}</span>{q.data.namespaces ? <> · namespaces {q.data.namespaces.join(", ")}</> : q.data.namespaceSelector ? <> · namespaces labelled <code>{q.data.namespaceSelector}</code></> : <> · all namespaces</>}</p>}
            {q.data.kinds.length > 0 && (
              <table className="table table-compact" aria-label="Informers">
                <thead>
                  <tr>
                    <th scope="col">Resource</th>
                    <th scope="col">State</th>
                    <th scope="col">Objects</th>
                    <th scope="col">Relists</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {q.data.kinds.map((k) => (
                    <tr key={`${k.resource}/${k.namespace ?? ""}`} data-testid={`informer-${k.resource}`}>
                      <td>{k.resource}{k.namespace ? <span className="muted"> in {k.namespace}</span> : null}</td>
                      <td className={k.state === "synced" ? "ok" : k.state === "failing" ? "bad" : "warn"}>{k.state}</td>
                      <td>{k.objects}</td>
                      <td>{k.relists}</td>
                      <td className="small">{k.error ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {q.data.lastApply && <p className="muted small">Last apply {new Date(q.data.lastApply.at).toLocaleString()}: {q.data.lastApply.applied} applied, {q.data.lastApply.pruned} pruned, {q.data.lastApply.failed} not applied.</p>}
          </div>
          {!q.data.error && canOperate && <ApplyPanel context={q.data.context ?? "?"} />}
          {!q.data.error && isAdmin && <AutoApply context={q.data.context ?? "?"} namespaces={q.data.meshNamespaces} on={q.data.autoApply.namespaces} />}
          {!q.data.error && canOperate && <ImportLimiters />}
          {!q.data.error && !canOperate && <p className="notice">Read only: applying to the cluster needs the operator role for every namespace.</p>}
        </>
      )}
    </section>
  );
}
