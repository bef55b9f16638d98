"use client";

import { ActionError } from "../QueryStates";
import { usePathname, useSearchParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useKubeSignIn, useSignIn } from "./hooks";

/** Sign in with the operator's identity provider (when configured) or a local user's name and password. */
export function SignIn({ setupPending, oidc, kubeLogin }: { setupPending: boolean; oidc: { issuer: string } | null; kubeLogin: boolean }) {
  const signIn = useSignIn();
  const pathname = usePathname();
  const providerError = useSearchParams().get("signin_error");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ name, password });
  };
  return (
    <section className="page signin" aria-labelledby="signin-title">
      <form className="card form-card" aria-labelledby="signin-title" onSubmit={submit}>
        <h1 id="signin-title">Sign in to Sextant</h1>
        {providerError ? (
          <p className="alert" role="alert" data-testid="signin-error">
            {providerError}
          </p>
        ) : null}
        {oidc ? (
          <>
            <a className="button button-primary" href={`/api/auth/oidc/login?return=${encodeURIComponent(pathname === "/" ? "/" : pathname)}`}>
              Sign in with single sign-on
            </a>
            <p className="hint">({new URL(oidc.issuer).host}) or with a local user:</p>
          </>
        ) : null}
        {setupPending ? <p className="hint">No user exists yet: open the setup link printed in Sextant&apos;s log to create the first admin.</p> : null}
        <label className="form-field">
          User name
          <input name="username" autoComplete="username" required autoFocus value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="form-field">
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ActionError error={signIn.error} />
        <button type="submit" className="button button-primary" disabled={signIn.isPending}>
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {kubeLogin ? <KubeTokenSignIn /> : null}
    </section>
  );
}

/** Sign in with a Kubernetes bearer token: the cluster's RBAC decides the role and namespaces. */
function KubeTokenSignIn() {
  const signIn = useKubeSignIn();
  const [token, setToken] = useState("");
  return (
    <form className="card form-card" aria-label="Sign in with a Kubernetes token" onSubmit={(e) => (e.preventDefault(), signIn.mutate(token.trim()))}>
      <h2>Sign in with a Kubernetes token</h2>
      <p className="hint">For example the output of <code>kubectl create token &lt;service account&gt;</code>. Your role follows what the cluster lets you write.</p>
      <label className="form-field">
        Token
        <textarea rows={3} required autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} />
      </label>
      <ActionError error={signIn.error} />
      <button type="submit" className="button" disabled={signIn.isPending}>
        {signIn.isPending ? "Checking…" : "Sign in with the token"}
      </button>
    </form>
  );
}
