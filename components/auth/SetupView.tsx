"use client";

import { ActionError } from "../QueryStates";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useSetup } from "./hooks";

/** The first admin, from the one-time link Sextant printed to its log. */
export function SetupView() {
  const token = useSearchParams().get("token") ?? "";
  const setup = useSetup();
  const router = useRouter();
  const [name, setName] = useState("admin");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const mismatch = again !== "" && again !== password;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setup.mutate({ token, name, password }, { onSuccess: () => router.push("/") });
  };
  return (
    <section className="page signin" aria-labelledby="setup-title">
      <form className="card form-card" aria-labelledby="setup-title" onSubmit={submit}>
        <h1 id="setup-title">Create the first admin</h1>
        {!token ? <p className="alert">This page needs the setup link from Sextant&apos;s log (it ends in ?token=…).</p> : null}
        <label className="form-field">
          User name
          <input autoComplete="username" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="form-field">
          Password (at least 12 characters)
          <input type="password" autoComplete="new-password" required minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label className="form-field">
          Password again
          <input type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} aria-invalid={mismatch} />
        </label>
        {mismatch ? <p className="field-error">The passwords differ.</p> : null}
        <ActionError error={setup.error} />
        <button type="submit" className="button button-primary" disabled={!token || setup.isPending || mismatch}>
          Create admin and sign in
        </button>
      </form>
    </section>
  );
}
