"use client";

import Link from "next/link";
import { useMe, useSignOut } from "./hooks";

/** Top bar: who is signed in and as what, sign out; or the warning that access is anonymous. */
export function UserMenu() {
  const { data } = useMe();
  const signOut = useSignOut();
  if (!data) return null;
  if (data.mode === "anonymous")
    return (
      <p className="anon-warning" role="note" data-testid="anonymous-warning">
        Anonymous access: anyone who can reach this port is an admin.
      </p>
    );
  if (!data.user) return null;
  const u = data.user;
  return (
    <div className="user-menu" data-testid="user-menu">
      <span>
        <strong>{u.name}</strong> · {u.role}
        {u.namespaces ? ` in ${u.namespaces.join(", ") || "no namespaces"}` : ""}
      </span>
      {u.role === "admin" ? <Link href="/admin">Users and tokens</Link> : null}
      <Link href="/audit">Audit</Link>
      <button type="button" className="button button-small" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
        Sign out
      </button>
    </div>
  );
}
