"use client";

import { useState } from "react";
import { LoadError, Loading } from "../QueryStates";
import { auditUrl, useAudit, useVerifyAudit } from "./hooks";

/** The audit log: who changed what, when, from where, with the diff; filters, chain check, JSON lines export. */
export function AuditView() {
  const [filter, setFilter] = useState({ actor: "", resource: "", action: "", since: "", until: "" });
  const applied = Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, (k === "since" || k === "until") && v ? new Date(v).toISOString() : v]));
  const audit = useAudit(applied);
  const entries = audit.data?.pages.flatMap((p) => p.entries) ?? [];
  const verify = useVerifyAudit();
  const field = (key: keyof typeof filter, label: string, type = "text") => (
    <label className="form-field">
      {label}
      <input type={type} value={filter[key]} onChange={(e) => setFilter({ ...filter, [key]: e.target.value })} />
    </label>
  );
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Audit</h1>
        <div className="actions">
          <button type="button" className="button" onClick={() => void verify.refetch()} disabled={verify.isFetching}>
            Verify the chain
          </button>
          <a className="button" href={auditUrl(applied, "jsonl")} download>
            Export JSON lines
          </a>
        </div>
      </header>
      {verify.data ? (
        <p className={verify.data.ok ? "notice" : "alert"} role="status" data-testid="audit-verify">
          {verify.data.ok ? `The chain holds: ${verify.data.entries} entries, none changed or removed.` : `The chain is broken at entry ${verify.data.broken?.id}: ${verify.data.broken?.reason}.`}
        </p>
      ) : verify.error ? (
        <LoadError what="the chain check" error={verify.error} />
      ) : null}
      <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        {field("actor", "User")}
        {field("resource", "Object")}
        {field("action", "Action")}
        {field("since", "From", "datetime-local")}
        {field("until", "To", "datetime-local")}
      </form>
      {audit.isLoading ? <Loading what="the audit log" /> : audit.error ? <LoadError what="the audit log" error={audit.error} /> : null}
      {audit.data ? (
        entries.length === 0 ? (
          <p className="empty">No entries match.</p>
        ) : (
          <>
          <ul className="audit-list" data-testid="audit-entries">
            {entries.map((e) => (
              <li key={e.id} className="card audit-entry" data-testid={`audit-${e.id}`}>
                <p>
                  <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time> · <strong>{e.actor}</strong> · {e.action} · {e.resource}
                  {e.source ? ` · from ${e.source}` : ""}
                </p>
                {e.details?.message ? <p className="hint">“{e.details.message}”</p> : null}
                {e.details?.diff ? (
                  <details>
                    <summary>Diff</summary>
                    <pre className="diff">{e.details.diff}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ul>
          {audit.hasNextPage ? (
            <button type="button" className="button" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
              {audit.isFetchingNextPage ? "Loading older entries…" : "Older entries"}
            </button>
          ) : (
            <p className="muted small">No older entries.</p>
          )}
          </>
        )
      ) : null}
    </section>
  );
}
