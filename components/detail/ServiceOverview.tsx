"use client";

import Link from "next/link";
import type { ServiceView } from "@/server/mesh/subsets";
import { DetailCharts } from "./DetailCharts";
import { HealthLine } from "./HealthLine";
import { InForce } from "./InForce";
import { PodsCard } from "./PodsCard";

/** The overview of a service, as Kiali's service details: health, traffic charts, what is in force, its pods and their proxies. */
export function ServiceOverview({ service }: { service: ServiceView }) {
  const { namespace, name } = service;
  const endpoints = [...service.subsets.flatMap((s) => s.endpoints), ...service.unversionedEndpoints].sort((a, b) => (a.pod < b.pod ? -1 : 1));
  return (
    <>
      <div className="toolbar">
        <HealthLine namespace={namespace} nodeId={`svc:${namespace}:${name}`} graphType="service" />
        <span className="muted small">
          {service.ports.map((p) => `${p.port}/${p.protocol}`).join(", ")} · {service.subsets.length} subset{service.subsets.length === 1 ? "" : "s"} ·{" "}
          {service.workloads.map((w, i) => (
            <span key={w.name}>
              {i > 0 ? ", " : ""}
              <Link href={`/workloads/${w.namespace}/${w.name}`}>{w.name}</Link>
            </span>
          ))}
        </span>
        <Link href={`/graph?namespaces=${namespace}&graphType=service&focus=${encodeURIComponent(`svc:${namespace}:${name}`)}`}>Show in graph</Link>
      </div>
      <DetailCharts kind="service" namespace={namespace} name={name} />
      <div className="facts-grid">
        <InForce namespace={namespace} name={name} />
        <PodsCard endpoints={endpoints} showWorkload />
      </div>
    </>
  );
}
