"use client";

import { useQuery } from "@tanstack/react-query";
import type { Health } from "@/server/health";
import { getJson, queryKeys } from "./api";

/** The header's health dot: green when every part works, otherwise says which part does not. */
export function HealthIndicator() {
  const { data, error, isPending } = useQuery({
    queryKey: queryKeys.health(),
    // /api/health answers 503 with a full report when a part is down; show that report.
    queryFn: ({ signal }) => getJson<Health>("/api/health", signal, [503]),
    refetchInterval: 15_000,
  });
  if (isPending) return <span className="health health-unknown">checking…</span>;
  if (error && !data) return <span className="health health-down" role="status">server unreachable</span>;
  if (!data) return null;
  const problems = [
    data.checks.database.status !== "ok" ? `database: ${data.checks.database.error ?? data.checks.database.status}` : "",
    data.checks.registry.status !== "ok" ? `registry: ${data.checks.registry.error ?? data.checks.registry.status}` : "",
  ].filter(Boolean);
  const label = data.status === "ok" ? "healthy" : data.status;
  return (
    <span className={`health health-${data.status}`} role="status" title={problems.join("\n") || `database ${data.checks.database.kind}, ${data.checks.registry.services} services${data.checks.leader && data.checks.leader.election !== "alone" ? `; this replica ${data.checks.leader.leading ? "leads" : "follows"} (${data.checks.leader.election})` : ""}`}>
      <span className="dot" aria-hidden="true" />
      {label}
      {problems.length > 0 && <span className="health-detail">{problems.join(" · ")}</span>}
    </span>
  );
}
