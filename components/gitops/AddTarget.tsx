"use client";

import { useState } from "react";
import { useAddTarget } from "./hooks";

/** Adding a Git target: a repository (path, https with a token, or SSH with a key), a branch, a directory. */
export function AddTarget({ secretsEnabled }: { secretsEnabled: boolean }) {
  const add = useAddTarget();
  const [f, setF] = useState({ name: "", url: "", branch: "main", path: "", mode: "commit", authKind: "none", secret: "" });
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => setF({ ...f, [k]: e.target.value });
  const issue = (field: string) => add.error && "issues" in add.error ? (add.error.issues as { path: string; message: string }[]).find((i) => i.path === `body.${field}`)?.message : undefined;
  return (
    <form
      className="card"
      aria-label="Add a Git target"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ name: f.name, url: f.url, branch: f.branch, path: f.path, mode: f.mode, authKind: f.authKind, ...(f.authKind !== "none" ? { secret: f.secret } : {}) }, { onSuccess: () => setF({ ...f, name: "", url: "", secret: "" }) });
      }}
    >
      <h2>Add a Git target</h2>
      <div className="form-grid">
        <label className="form-field">Name<input value={f.name} onChange={set("name")} required placeholder="prod-gitops" />{issue("name") && <span className="error-text">{issue("name")}</span>}</label>
        <label className="form-field">Repository<input value={f.url} onChange={set("url")} required placeholder="https://github.com/org/mesh-config.git or /srv/git/mesh.git" />{issue("url") && <span className="error-text">{issue("url")}</span>}</label>
        <label className="form-field">Branch<input value={f.branch} onChange={set("branch")} required />{issue("branch") && <span className="error-text">{issue("branch")}</span>}</label>
        <label className="form-field">Directory<input value={f.path} onChange={set("path")} placeholder="(the repository's root)" />{issue("path") && <span className="error-text">{issue("path")}</span>}</label>
        <label className="form-field">Mode<select value={f.mode} onChange={set("mode")}><option value="commit">commit to the branch</option><option value="branch">a new branch per change (pull request)</option></select></label>
        <label className="form-field">Authentication<select value={f.authKind} onChange={set("authKind")}><option value="none">none (local path or open)</option><option value="token">HTTPS token</option><option value="ssh-key">SSH key</option></select></label>
        {f.authKind !== "none" && (
          <label className="form-field">{f.authKind === "token" ? "Token" : "Private key"}
            {f.authKind === "token" ? <input type="password" value={f.secret} onChange={set("secret")} autoComplete="off" /> : <textarea value={f.secret} onChange={set("secret")} rows={4} />}
            {!secretsEnabled && <span className="error-text">Set SEXTANT_SECRET_KEY to store secrets (encrypted; never shown again).</span>}
            {issue("secret") && <span className="error-text">{issue("secret")}</span>}
          </label>
        )}
      </div>
      {add.error && !issue("name") && !issue("url") && <p role="alert" className="error-text">{add.error.message}</p>}
      <button type="submit" className="button button-primary" disabled={add.isPending}>{add.isPending ? "Adding…" : "Add target"}</button>
    </form>
  );
}
