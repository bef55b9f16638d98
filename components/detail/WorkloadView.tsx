"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ServiceList } from "@/server/mesh/catalog";
import { getJson, queryKeys } from "../api";
import { LoadError, Loading } from "../QueryStates";
import { DetailCharts } from "./DetailCharts";
import { HealthLine } from "./HealthLine";
import { PodsCard } from "./PodsCard";

/** A workload's page: health, traffic charts, its pods and their proxies, the services it backs. */
export function WorkloadView({ namespace, name }: { namespace: string; name: string }) {
  const services = useQuery({ queryKey: queryKeys.services([namespace]), queryFn: ({ signal }) => getJson<ServiceList>(`/api/services?namespace=${namespace}`, signal) });
  if (services.isPending) return <Loading what={name} />;
  if (services.error) return <LoadError what={`${namespace}/${name}`} error={services.error} />;
  const backs = services.data.services.filter((s) => s.workloads.some((w) => w.name === name));
  const endpoints = [...new Map(backs.flatMap((s) => [...s.subsets.flatMap((x) => x.endpoints), ...s.unversionedEndpoints]).filter((e) => e.workload === name).map((e) => [e.pod, e])).values()].sort((a, b) => (a.pod < b.pod ? -1 : 1));
  const known = backs.length > 0;
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{name}</h1>
        <span className="muted small">workload in {namespace}</span>
        <div className="spacer" />
        <Link href={`/graph?namespaces=${namespace}&graphType=workload&focus=${encodeURIComponent(`wl:${namespace}:${name}`)}`}>Show in graph</Link>
      </header>
      {!known && (
        <div className="alert" role="status">
          No service selects {namespace}/{name}; its traffic is shown if the mesh reports any. <Link href="/services">All services</Link>
        </div>
      )}
      <div className="toolbar">
        <HealthLine namespace={namespace} nodeId={`wl:${namespace}:${name}`} graphType="workload" />
        {known && (
          <span className="small muted">
            backs{" "}
            {backs.map((s, i) => (
              <span key={s.name}>
                {i > 0 ? ", " : ""}
                <Link href={`/services/${s.namespace}/${s.name}`}>{s.name}</Link>
              </span>
            ))}
          </span>
        )}
      </div>
      <DetailCharts kind="workload" namespace={namespace} name={name} />
      <PodsCard endpoints={endpoints} showWorkload={false} />
    </section>
  );
}
