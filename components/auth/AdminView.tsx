"use client";

import { useCan, useMe } from "./hooks";
import { TokensCard } from "./TokensCard";
import { UsersCard } from "./UsersCard";

/** Users and API tokens (admins only; the server refuses others anyway). */
export function AdminView() {
  const me = useMe();
  const admin = useCan("admin");
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Users and tokens</h1>
      </header>
      {me.data?.mode === "anonymous" ? (
        <p className="notice">Access is anonymous (no sign-in configured): there are no users or tokens to manage. Set SEXTANT_ADMIN_PASSWORD to turn on sign-in.</p>
      ) : !admin ? (
        <p className="notice">Only admins manage users and tokens.</p>
      ) : (
        <>
          <UsersCard />
          <TokensCard />
        </>
      )}
    </section>
  );
}
