"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { INTENT_KIND_LABELS, type IntentKind } from "@/server/intents/schemas";
import { getJson, queryKeys } from "../api";

type Intent = { id: string; kind: IntentKind; namespace: string; target: string; revision: number; author: string; updatedAt?: string };
type IstioObject = { kind: string; name: string; namespace: string };
type Limiter = { namespace: string; name: string; revision: number; enforcedBy: string[]; refusedPerMinute: number | null };

/** What is in force on a service: its intents, the Istio objects they make, its SmartLimiter. */
export function InForce({ namespace, name }: { namespace: string; name: string }) {
  const intents = useQuery({ queryKey: queryKeys.intents({ namespace, target: name }), queryFn: ({ signal }) => getJson<{ intents: Intent[] }>(`/api/intents?namespace=${namespace}&target=${name}`, signal) });
  const objects = useQuery({ queryKey: queryKeys.objects(), queryFn: ({ signal }) => getJson<{ objects: IstioObject[] }>("/api/objects", signal) });
  const limiters = useQuery({ queryKey: queryKeys.limiters(), queryFn: ({ signal }) => getJson<{ limiters: Limiter[] }>("/api/limiters", signal) });
  const mine = (objects.data?.objects ?? []).filter((o) => o.namespace === namespace && (o.name === name || o.name.startsWith(`${name}.`)));
  const limiter = limiters.data?.limiters.find((l) => l.namespace === namespace && l.name === name);
  return (
    <section className="card" aria-labelledby="inforce-title" data-testid="in-force">
      <h2 id="inforce-title">In force</h2>
      {intents.isPending ? (
        <p className="muted small">Loading…</p>
      ) : (intents.data?.intents ?? []).length === 0 && !limiter ? (
        <p className="muted small">No intent or rate limit: the platform&apos;s defaults apply.</p>
      ) : (
        <ul className="plain-list">
          {(intents.data?.intents ?? []).map((i) => (
            <li key={i.id}>
              <strong>{INTENT_KIND_LABELS[i.kind]}</strong> <span className="muted small">revision {i.revision} by {i.author}</span>
            </li>
          ))}
          {limiter && (
            <li>
              <strong>Rate limit</strong> <span className="muted small">revision {limiter.revision}</span> ·{" "}
              <Link href="/limiters">{limiter.enforcedBy.length ? `enforced by ${limiter.enforcedBy.length} sidecar(s)` : "not enforced by any connected sidecar"}</Link>
              {limiter.refusedPerMinute ? <span className="bad small"> · {limiter.refusedPerMinute} refused / min</span> : null}
            </li>
          )}
        </ul>
      )}
      <h3>Istio objects</h3>
      {mine.length === 0 ? (
        <p className="muted small">None generated for it.</p>
      ) : (
        <p className="small">
          {mine.map((o) => (
            <span key={`${o.kind}/${o.name}`} className="chip mono">
              {o.kind} {o.name}
            </span>
          ))}{" "}
          <Link href="/objects">See them</Link>
        </p>
      )}
    </section>
  );
}
