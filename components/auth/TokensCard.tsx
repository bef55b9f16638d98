"use client";

import { type FormEvent, useState } from "react";
import { ActionError, LoadError, Loading } from "../QueryStates";
import { type Role, useCreateToken, useRevokeToken, useTokens } from "./hooks";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

/** API tokens for automation: create (the secret is shown once), see last use, revoke. */
export function TokensCard() {
  const tokens = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const [f, setF] = useState({ name: "", role: "viewer" as Role, namespaces: "", days: "90" });
  const [secret, setSecret] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name: f.name, role: f.role, namespaces: f.namespaces.split(",").map((x) => x.trim()).filter(Boolean), ...(f.days ? { expiresInDays: Number(f.days) } : {}) },
      { onSuccess: (r) => (setSecret(r.secret), setF({ ...f, name: "" })) },
    );
  };
  return (
    <section className="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      {secret ? (
        <div className="notice" role="status" data-testid="new-token">
          <p>Copy this token now: it is not shown again. Send it as <code>Authorization: Bearer …</code>.</p>
          <code className="secret">{secret}</code>
          <button type="button" className="button button-small" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      ) : null}
      {tokens.isLoading ? <Loading what="tokens" /> : tokens.error ? <LoadError what="tokens" error={tokens.error} /> : null}
      {tokens.data ? (
        tokens.data.tokens.length === 0 ? (
          <p className="empty">No API tokens yet.</p>
        ) : (
          <table className="table" aria-label="API tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Owner</th>
                <th>Role</th>
                <th>Namespaces</th>
                <th>Expires</th>
                <th>Last used</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.tokens.map((t) => (
                <tr key={t.id} data-testid={`token-${t.name}`}>
                  <td>{t.name}</td>
                  <td>{t.owner}</td>
                  <td>{t.role}</td>
                  <td>{t.namespaces.join(", ") || "all"}</td>
                  <td>{when(t.expiresAt)}</td>
                  <td>{when(t.lastUsedAt)}</td>
                  <td>
                    {t.revokedAt ? (
                      "revoked"
                    ) : (
                      <button type="button" className="button button-small" onClick={() => revoke.mutate(t.id)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      <form className="form-grid" aria-label="Create an API token" onSubmit={submit}>
        <h3>Create a token</h3>
        <label className="form-field">
          Token name
          <input required value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </label>
        <label className="form-field">
          Token role
          <select value={f.role} onChange={(e) => setF({ ...f, role: e.target.value as Role })}>
            <option>viewer</option>
            <option>operator</option>
            <option>admin</option>
          </select>
        </label>
        <label className="form-field">
          Token namespaces (empty: all)
          <input value={f.namespaces} onChange={(e) => setF({ ...f, namespaces: e.target.value })} />
        </label>
        <label className="form-field">
          Expires in days (empty: never)
          <input inputMode="numeric" pattern="[0-9]*" value={f.days} onChange={(e) => setF({ ...f, days: e.target.value })} />
        </label>
        <ActionError error={create.error} />
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
    </section>
  );
}
