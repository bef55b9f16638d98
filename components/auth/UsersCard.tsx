"use client";

import { type FormEvent, useState } from "react";
import { ActionError, LoadError, Loading } from "../QueryStates";
import { type Role, useCreateUser, useUpdateUser, useUsers } from "./hooks";

const ROLES: Role[] = ["viewer", "operator", "admin"];
const splitNamespaces = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

/** Local users: add one, change a role, disable, reset a password. */
export function UsersCard() {
  const users = useUsers();
  const create = useCreateUser();
  const update = useUpdateUser();
  const [f, setF] = useState({ name: "", password: "", role: "viewer" as Role, namespaces: "" });
  const [reset, setReset] = useState<{ id: string; password: string } | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: f.name, password: f.password, role: f.role, namespaces: splitNamespaces(f.namespaces) }, { onSuccess: () => setF({ name: "", password: "", role: "viewer", namespaces: "" }) });
  };
  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {users.isLoading ? <Loading what="users" /> : users.error ? <LoadError what="users" error={users.error} /> : null}
      {users.data ? (
        <table className="table" aria-label="Users">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Namespaces</th>
              <th>State</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.data.users.map((u) => (
              <tr key={u.id} data-testid={`user-${u.name}`}>
                <td>{u.name}</td>
                <td>
                  <select aria-label={`Role of ${u.name}`} value={u.role} onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td>{u.namespaces.join(", ") || "all"}</td>
                <td>{u.disabled ? "disabled" : "active"}</td>
                <td className="actions">
                  <button type="button" className="button button-small" onClick={() => update.mutate({ id: u.id, disabled: !u.disabled })}>
                    {u.disabled ? "Enable" : "Disable"}
                  </button>
                  {reset?.id === u.id ? (
                    <form className="inline-form" onSubmit={(e) => (e.preventDefault(), update.mutate({ id: u.id, password: reset.password }, { onSuccess: () => setReset(null) }))}>
                      <input type="password" aria-label={`New password for ${u.name}`} minLength={12} required autoComplete="new-password" value={reset.password} onChange={(e) => setReset({ id: u.id, password: e.target.value })} />
                      <button type="submit" className="button button-small">Set</button>
                    </form>
                  ) : (
                    <button type="button" className="button button-small" onClick={() => setReset({ id: u.id, password: "" })}>
                      Reset password
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ActionError error={update.error} />
      <form className="form-grid" aria-label="Add a user" onSubmit={submit}>
        <h3>Add a user</h3>
        <label className="form-field">
          Name
          <input required value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </label>
        <label className="form-field">
          Password
          <input type="password" required minLength={12} autoComplete="new-password" value={f.password} onChange={(e) => setF({ ...f, password: e.target.value })} />
        </label>
        <label className="form-field">
          Role
          <select value={f.role} onChange={(e) => setF({ ...f, role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="form-field">
          Namespaces (comma-separated; empty: all)
          <input value={f.namespaces} onChange={(e) => setF({ ...f, namespaces: e.target.value })} />
        </label>
        <ActionError error={create.error} />
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Add user
        </button>
      </form>
    </section>
  );
}
