"use client";

import { useQueryClient } from "@tanstack/react-query";
import { usePathname } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { UNAUTHORIZED_EVENT, queryKeys } from "../api";
import { LoadError, Loading } from "../QueryStates";
import { useMe } from "./hooks";
import { SignIn } from "./SignIn";

/**
 * The page's content once someone is signed in (or access is anonymous); the sign-in form
 * otherwise. A 401 from any call (session ended, timed out) brings the form back.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const pathname = usePathname();
  const me = useMe();
  useEffect(() => {
    const again = () => void qc.invalidateQueries({ queryKey: queryKeys.me() });
    window.addEventListener(UNAUTHORIZED_EVENT, again);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, again);
  }, [qc]);
  if (pathname === "/setup") return <>{children}</>;
  if (me.isLoading) return <Loading what="your session" />;
  if (me.error && !me.data) return <LoadError what="your session" error={me.error} />;
  if (me.data?.mode === "local" && !me.data.user) return <SignIn setupPending={me.data.setupPending} oidc={me.data.oidc} kubeLogin={me.data.kubeLogin} />;
  return <>{children}</>;
}
