"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useCan, useMe } from "../auth/hooks";
import { useMemo, useState } from "react";
import YAML from "yaml";
import type { IntentView } from "@/server/intents/service";
import { INTENT_KINDS, INTENT_KIND_LABELS, type IntentKind } from "@/server/intents/schemas";
import type { ServiceList } from "@/server/mesh/catalog";
import type { Graph } from "@/server/metrics/graph/types";
import { ApiError, getJson, queryKeys } from "../api";
import { sendJson } from "../api-write";
import { ServiceOverview } from "../detail/ServiceOverview";
import { FORM_PATHS, FieldIssues, INTENT_FORMS } from "./IntentForms";
import { ErrorBox, HistoryPanel, PreviewPanel, specPath, usePreview } from "./IntentPanels";
import { type ShiftResult, TrafficShiftCard } from "./TrafficShiftCard";
import type { LiveShares } from "./WeightSliders";
import { LoadError, Loading } from "../QueryStates";
import { CanEdit, EditFieldset } from "./editing";


/** Templates for the editor of the other intent kinds: valid specs to start from. */
const TEMPLATES: Record<Exclude<IntentKind, "traffic-shift">, unknown> = {
  "request-routing": { rules: [{ name: "testers", match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v2", weight: 100 }] }] },
  "fault-injection": { match: [{ headers: { "end-user": { exact: "jason" } } }], delay: { fixedDelay: "7s", percentage: 100 } },
  "timeouts-retries": { timeout: "2s", retries: { attempts: 3, perTryTimeout: "500ms", retryOn: ["5xx", "reset", "connect-failure"] } },
  "circuit-breaking": { connectionPool: { http: { http1MaxPendingRequests: 100, maxRequestsPerConnection: 10 } }, outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 } },
  mirroring: { subset: "v2", percentage: 10 },
  "load-balancer": { simple: "LEAST_REQUEST" },
};

/** "Now": the shortest window that still holds two scrapes at Prometheus's usual 15 s interval. */
const NOW_SECONDS = 30;

/** Each subset's share (%) of the service's requests over a window, from the versioned-app graph. */
function useLiveShares(namespace: string, name: string, subsets: string[] | undefined, duration: string): Record<string, number> | undefined {
  const live = useQuery({
    queryKey: ["graph", { namespaces: [namespace], graphType: "versionedApp", duration, idle: false, responseTime: "none" }],
    queryFn: ({ signal }) => getJson<Graph>(`/api/graph?namespace=${namespace}&graphType=versionedApp&duration=${duration}`, signal),
    refetchInterval: 10_000,
  });
  const key = subsets?.join(",");
  return useMemo(() => {
    if (!live.data || key === undefined) return undefined;
    const subsets = key ? key.split(",") : [];
    const rates = Object.fromEntries(subsets.map((s) => [s, live.data.nodes.find((n) => n.id === `va:${namespace}:${name}:${s}`)?.traffic.inRps ?? 0]));
    const sum = Object.values(rates).reduce((a, b) => a + b, 0);
    return Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, sum > 0 ? (v / sum) * 100 : 0]));
  }, [live.data, key, namespace, name]);
}

/** The traffic page of one service: canary weights, the other intents, preview, apply, history. */
export function ServiceTrafficView({ namespace, name }: { namespace: string; name: string }) {
  const qc = useQueryClient();
  const [shiftResult, setShiftResult] = useState<ShiftResult>({});
  const services = useQuery({ queryKey: queryKeys.services([namespace]), queryFn: ({ signal }) => getJson<ServiceList>(`/api/services?namespace=${namespace}`, signal) });
  const service = services.data?.services.find((s) => s.name === name);
  const intentsKey = ["intents", { namespace, target: name }] as const;
  const intents = useQuery({ queryKey: intentsKey, queryFn: ({ signal }) => getJson<{ intents: IntentView[] }>(`/api/intents?namespace=${namespace}&target=${name}`, signal) });
  const me = useMe();
  const canChange = useCan("operate", namespace);
  const minute = useLiveShares(namespace, name, service?.subsets.map((s) => s.name), "1m");
  const now = useLiveShares(namespace, name, service?.subsets.map((s) => s.name), `${NOW_SECONDS}s`);
  const live: LiveShares = { now, minute, nowSeconds: NOW_SECONDS };

  if (services.isPending || intents.isPending) return <Loading what={name} />;
  if (services.error || intents.error) return <LoadError what={`${namespace}/${name}`} error={(services.error ?? intents.error)!} />;
  if (!service) {
    return (
      <section className="page">
        <h1>{name}</h1>
        <div className="alert" role="alert">There is no service {namespace}/{name} in the mesh. <Link href="/services">All services</Link></div>
      </section>
    );
  }
  const byKind = new Map(intents.data.intents.map((i) => [i.kind, i]));
  // The result of the last apply outlives the card, which starts afresh on each new revision.
  const hostVersion = intents.data.intents.map((i) => `${i.kind}@${i.revision}`).join(",");
  const refresh = () => void qc.invalidateQueries({ queryKey: ["intents"] });

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{name}</h1>
        <span className="muted mono small">{service.hostname}</span>
        <div className="spacer" />
        <Link href={`/intents?namespace=${namespace}&target=${name}`}>Intents</Link>
      </header>
      <ServiceOverview service={service} />
      <h2 className="section-title">Traffic management</h2>
      {!canChange ? (
        <p className="notice" role="note" data-testid="read-only">
          Read only: changing {namespace}&apos;s traffic needs the operator role{me.data?.user?.namespaces ? " in this namespace" : ""}.
        </p>
      ) : null}
      {/* A viewer sees every editing control, disabled; reading (another intent, a diff) still works. */}
      <CanEdit.Provider value={canChange}>
      <TrafficShiftCard
        key={`${byKind.get("traffic-shift")?.revision ?? 0}`}
        namespace={namespace}
        name={name}
        subsets={service.subsets.map((s) => s.name)}
        intent={byKind.get("traffic-shift")}
        live={live}
        hostVersion={hostVersion}
        onApplied={refresh}
        result={shiftResult}
        setResult={setShiftResult}
      />
      <OtherIntentsCard namespace={namespace} name={name} subsets={service.subsets.map((s) => s.name)} intents={byKind} hostVersion={hostVersion} onApplied={refresh} />
      </CanEdit.Provider>
    </section>
  );
}


/** The other intent kinds: the spec as YAML, checked live against the schema and the mesh. */
function OtherIntentsCard({ namespace, name, subsets, intents, hostVersion, onApplied }: { namespace: string; name: string; subsets: string[]; intents: Map<IntentKind, IntentView>; hostVersion: string; onApplied(): void }) {
  const [kind, setKind] = useState<OtherKind>("request-routing");
  const existing = intents.get(kind);
  // Kept here: the editor below starts afresh (re-mounts) when a new revision is applied.
  const [result, setResult] = useState<{ ok?: string; error?: ApiError }>({});
  return (
    <div className="card" aria-labelledby="other-title">
      <h2 id="other-title">Routing, resilience and policy</h2>
      <div className="toolbar">
        <label htmlFor="intent-kind">Intent</label>
        <select
          id="intent-kind"
          className="input"
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as OtherKind);
            setResult({});
          }}
        >
          {OTHER_KINDS.map((k) => (
            <option key={k} value={k}>
              {INTENT_KIND_LABELS[k]} {intents.get(k) ? `(revision ${intents.get(k)!.revision})` : ""}
            </option>
          ))}
        </select>
        <span className="muted small">{existing ? `In force: revision ${existing.revision} by ${existing.author}` : "Not set: this is a starting point."}</span>
      </div>
      {/* Keyed: a new kind or a new revision starts the editor afresh. */}
      <IntentEditor key={`${kind}@${existing?.revision ?? 0}`} kind={kind} namespace={namespace} name={name} subsets={subsets} existing={existing} hostVersion={hostVersion} onApplied={onApplied} result={result} setResult={setResult} />
    </div>
  );
}

type OtherKind = Exclude<IntentKind, "traffic-shift">;
const OTHER_KINDS = INTENT_KINDS.filter((k): k is OtherKind => k !== "traffic-shift");

function IntentEditor({
  kind,
  namespace,
  name,
  subsets,
  existing,
  hostVersion,
  onApplied,
  result,
  setResult,
}: {
  kind: OtherKind;
  namespace: string;
  name: string;
  subsets: string[];
  existing: IntentView | undefined;
  hostVersion: string;
  onApplied(): void;
  result: { ok?: string; error?: ApiError };
  setResult(r: { ok?: string; error?: ApiError }): void;
}) {
  // Form and YAML edit the same spec; the form is the default view.
  const [mode, setMode] = useState<"form" | "yaml">("form");
  const [formSpec, setFormSpec] = useState<Record<string, unknown>>(() => (existing?.spec ?? TEMPLATES[kind]) as Record<string, unknown>);
  const [text, setText] = useState("");
  const [message, setMessage] = useState("");
  let spec: unknown = formSpec;
  let parseError = "";
  if (mode === "yaml") {
    try {
      spec = YAML.parse(text);
    } catch (e) {
      parseError = e instanceof Error ? e.message : String(e);
    }
  }
  const switchTo = (next: "form" | "yaml") => {
    if (next === "yaml") setText(YAML.stringify(formSpec));
    else if (!parseError && spec && typeof spec === "object") setFormSpec(spec as Record<string, unknown>);
    setMode(next);
  };
  const draft = { kind, namespace, target: name, spec };
  const preview = usePreview({ intent: draft }, !parseError, hostVersion);
  const apply = async () => {
    setResult({});
    try {
      const r = await sendJson<{ intent: IntentView }>("PUT", "/api/intents", { intent: draft, expectedRevision: existing?.revision ?? 0, message });
      setResult({ ok: `Applied ${INTENT_KIND_LABELS[kind].toLowerCase()} revision ${r.intent.revision}.` });
      onApplied();
    } catch (e) {
      setResult({ error: e as ApiError });
    }
  };
  const Form = INTENT_FORMS[kind];
  // In the form, the API's problems show at their fields ("spec.delay.percentage"), once, and not again below.
  const issues = [
    ...(preview.error?.issues ?? []).map((i) => ({ path: specPath(i.path), message: i.message })),
    ...(preview.preview?.findings ?? []).filter((f) => f.severity === "error").map((f) => ({ path: f.path, message: f.message })),
    ...(result.error?.issues ?? []).map((i) => ({ path: specPath(i.path), message: i.message })),
  ];
  const issuesAt = (path: string) => issues.filter((i) => (path.endsWith("*") ? i.path.startsWith(path.slice(0, -1)) : i.path === path)).map((i) => i.message);
  const shownAtField = mode === "form" ? (path: string) => FORM_PATHS[kind].test(path) : undefined;
  return (
    <>
      <div className="toolbar" role="tablist" aria-label="Edit as">
        <button type="button" role="tab" aria-selected={mode === "form"} className={mode === "form" ? "button button-primary" : "button"} onClick={() => switchTo("form")} disabled={mode === "yaml" && !!parseError}>
          Form
        </button>
        <button type="button" role="tab" aria-selected={mode === "yaml"} className={mode === "yaml" ? "button button-primary" : "button"} onClick={() => switchTo("yaml")}>
          YAML
        </button>
        <span className="muted small">Checked as you type against the kind&apos;s schema and the mesh (codes in docs/VALIDATION.md).</span>
      </div>
      <EditFieldset>
      {mode === "form" ? (
        <FieldIssues.Provider value={issuesAt}>
          <Form spec={formSpec} onChange={setFormSpec} subsets={subsets} />
        </FieldIssues.Provider>
      ) : (
        <>
          <label htmlFor="intent-spec" className="small muted">
            Spec (YAML)
          </label>
          <textarea id="intent-spec" className="input code-input" rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} aria-invalid={!!parseError} />
          {parseError && <p className="error-text small">Not valid YAML: {parseError}</p>}
        </>
      )}
      <div className="toolbar">
        <input className="input grow" aria-label="Change message" placeholder="Why (kept in the history)" value={message} maxLength={500} onChange={(e) => setMessage(e.target.value)} />
        <button type="button" className="button button-primary" onClick={() => void apply()} disabled={!!parseError || !!preview.error || !!preview.preview?.findings.some((f) => f.severity === "error")}>
          Apply {INTENT_KIND_LABELS[kind].toLowerCase()}
        </button>
      </div>
      </EditFieldset>
      {result.ok && <p className="ok" role="status">{result.ok}</p>}
      {result.error && <ErrorBox error={result.error} shownAtField={shownAtField} />}
      {!parseError && <PreviewPanel state={preview} shownAtField={shownAtField} />}
      {existing && <HistoryPanel intent={existing} onApplied={onApplied} />}
    </>
  );
}
