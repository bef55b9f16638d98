"use client";

import { useQuery } from "@tanstack/react-query";
import type { Graph, GraphType } from "@/server/metrics/graph/types";
import { getJson, queryKeys } from "../api";

/** A graph node's health and its traffic in over the last minute, as the graph shows it. */
export function HealthLine({ namespace, nodeId, graphType }: { namespace: string; nodeId: string; graphType: GraphType }) {
  const p = { namespaces: [namespace], graphType, duration: "1m", idle: true, responseTime: "none" };
  const g = useQuery({
    queryKey: queryKeys.graph(p),
    queryFn: ({ signal }) => getJson<Graph>(`/api/graph?namespace=${namespace}&graphType=${graphType}&duration=1m&idle=true`, signal),
    refetchInterval: 15_000,
  });
  const n = g.data?.nodes.find((x) => x.id === nodeId);
  if (g.isPending) return <span className="muted small">health…</span>;
  if (g.error) return <span className="muted small" title={g.error.message}>health unknown (no traffic numbers)</span>;
  if (!n) return <span className="muted small">no traffic seen</span>;
  return (
    <span className="small" data-testid="health-line">
      <span className={`health health-${n.health}`}>{n.health}</span> · {n.traffic.inRps.toFixed(2)} req/s in · {n.traffic.inErrorPercent}% errors (last minute)
    </span>
  );
}
