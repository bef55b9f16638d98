"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { getJson } from "./api";
import { download } from "./download";
import { ClusterObjects } from "./cluster/ClusterObjects";
import { LoadError, Loading } from "./QueryStates";

type Objects = { objects: { kind: string; namespace: string; name: string; yaml: string }[]; yaml: string };

/** Every Istio object the intents and SmartLimiters in force generate: YAML to read, copy or download. */
export function ObjectsView() {
  const q = useQuery({ queryKey: ["objects"], queryFn: ({ signal }) => getJson<Objects>("/api/objects", signal), refetchInterval: 15_000 });
  const [copied, setCopied] = useState("");
  const copy = async (key: string, text: string) => {
    await navigator.clipboard.writeText(text);
    setCopied(key);
    setTimeout(() => setCopied(""), 1500);
  };
  const downloadYaml = (name: string, text: string) => download(new Blob([text], { type: "application/yaml" }), name);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Generated objects</h1>
        {q.data && <span className="muted">{q.data.objects.length} objects</span>}
        <div className="spacer" />
        <button type="button" className="button" disabled={!q.data?.objects.length} onClick={() => q.data && downloadYaml("sextant-istio-objects.yaml", q.data.yaml)}>
          Download all
        </button>
        <a className="button" href="/api/gitops/export?format=tar.gz" download title="The GitOps layout: a file per object, kustomizations, same bytes for the same state">
          Download .tar.gz
        </a>
      </header>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <LoadError what="the objects" error={q.error} />
      ) : q.data.objects.length === 0 ? (
        <div className="empty" role="status"><p>Nothing generated yet. Intents you apply on a service&apos;s page generate VirtualServices and DestinationRules here; SmartLimiters on the <Link href="/limiters">Rate limits</Link> page generate EnvoyFilters.</p></div>
      ) : (
        q.data.objects.map((o) => {
          const key = `${o.kind}/${o.namespace}/${o.name}`;
          return (
            <div className="card" key={key} data-testid={`object-${o.kind}-${o.name}`}>
              <div className="toolbar">
                <h2 className="grow">{o.kind} <span className="mono small">{o.namespace}/{o.name}</span></h2>
                <button type="button" className="button button-small" onClick={() => void copy(key, o.yaml)}>{copied === key ? "Copied" : "Copy"}</button>
                <button type="button" className="button button-small" onClick={() => downloadYaml(`${o.kind.toLowerCase()}-${o.namespace}-${o.name}.yaml`, o.yaml)}>Download</button>
              </div>
              <pre className="code">{o.yaml}</pre>
            </div>
          );
        })
      )}
      <ClusterObjects />
    </section>
  );
}
