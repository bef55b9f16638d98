"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import YAML from "yaml";
import type { IntentView, Preview } from "@/server/intents/service";
import { INTENT_KINDS, INTENT_KIND_LABELS, type IntentKind } from "@/server/intents/schemas";
import type { ServiceList } from "@/server/mesh/catalog";
import type { Graph } from "@/server/metrics/graph/types";
import { ApiError, getJson, queryKeys } from "../api";
import { sendJson } from "../api-write";
import { INTENT_FORMS } from "./IntentForms";
import { WeightSliders } from "./WeightSliders";
import { YamlDiff } from "./YamlDiff";
import { type SubsetWeight, equalSplit } from "./weights";
import { LoadError, Loading } from "../QueryStates";

type History = { revisions: { number: number; author: string; message: string; createdAt: string; spec: unknown; yaml: string }[] };

/** Templates for the editor of the other intent kinds: valid specs to start from. */
const TEMPLATES: Record<Exclude<IntentKind, "traffic-shift">, unknown> = {
  "request-routing": { rules: [{ name: "testers", match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ subset: "v2", weight: 100 }] }] },
  "fault-injection": { match: [{ headers: { "end-user": { exact: "jason" } } }], delay: { fixedDelay: "7s", percentage: 100 } },
  "timeouts-retries": { timeout: "2s", retries: { attempts: 3, perTryTimeout: "500ms", retryOn: ["5xx", "reset", "connect-failure"] } },
  "circuit-breaking": { connectionPool: { http: { http1MaxPendingRequests: 100, maxRequestsPerConnection: 10 } }, outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 } },
  mirroring: { subset: "v2", percentage: 10 },
  "load-balancer": { simple: "LEAST_REQUEST" },
};

/** The traffic page of one service: canary weights, the other intents, preview, apply, history. */
export function ServiceTrafficView({ namespace, name }: { namespace: string; name: string }) {
  const qc = useQueryClient();
  const [shiftResult, setShiftResult] = useState<{ ok?: string; error?: ApiError }>({});
  const services = useQuery({ queryKey: queryKeys.services([namespace]), queryFn: ({ signal }) => getJson<ServiceList>(`/api/services?namespace=${namespace}`, signal) });
  const service = services.data?.services.find((s) => s.name === name);
  const intentsKey = ["intents", { namespace, target: name }] as const;
  const intents = useQuery({ queryKey: intentsKey, queryFn: ({ signal }) => getJson<{ intents: IntentView[] }>(`/api/intents?namespace=${namespace}&target=${name}`, signal) });
  const live = useQuery({
    queryKey: ["graph", { namespaces: [namespace], graphType: "versionedApp", duration: "1m", idle: false, responseTime: "none" }],
    queryFn: ({ signal }) => getJson<Graph>(`/api/graph?namespace=${namespace}&graphType=versionedApp&duration=1m`, signal),
    refetchInterval: 10_000,
  });

  const liveShare = useMemo(() => {
    if (!live.data || !service) return undefined;
    const rates = Object.fromEntries(service.subsets.map((s) => [s.name, live.data.nodes.find((n) => n.id === `va:${namespace}:${name}:${s.name}`)?.traffic.inRps ?? 0]));
    const sum = Object.values(rates).reduce((a, b) => a + b, 0);
    return Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, sum > 0 ? (v / sum) * 100 : 0]));
  }, [live.data, service, namespace, name]);

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
        <Link href={`/graph?namespaces=${namespace}&graphType=versionedApp`}>Graph</Link>
        <Link href={`/intents?namespace=${namespace}&target=${name}`}>Intents</Link>
      </header>
      <TrafficShiftCard
        key={`${byKind.get("traffic-shift")?.revision ?? 0}`}
        namespace={namespace}
        name={name}
        subsets={service.subsets.map((s) => s.name)}
        intent={byKind.get("traffic-shift")}
        live={liveShare}
        hostVersion={hostVersion}
        onApplied={refresh}
        result={shiftResult}
        setResult={setShiftResult}
      />
      <OtherIntentsCard namespace={namespace} name={name} subsets={service.subsets.map((s) => s.name)} intents={byKind} hostVersion={hostVersion} onApplied={refresh} />
    </section>
  );
}

function weightsFrom(subsets: string[], intent: IntentView | undefined): SubsetWeight[] {
  const spec = intent?.spec as { weights?: { subset: string; weight: number }[] } | undefined;
  if (!spec?.weights) return equalSplit(subsets);
  const names = [...new Set([...subsets, ...spec.weights.map((w) => w.subset)])];
  return names.map((subset) => ({ subset, weight: spec.weights!.find((w) => w.subset === subset)?.weight ?? 0, locked: false }));
}

/**
 * Live preview of a draft. `hostVersion` names the intents in force on the host
 * (kind@revision): the host's objects merge all of them, so any apply there
 * makes every open preview stale.
 */
function usePreview(body: unknown, enabled: boolean, hostVersion: string) {
  const [state, setState] = useState<{ preview?: Preview; error?: ApiError; pending: boolean }>({ pending: false });
  const key = JSON.stringify(body) + hostVersion;
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const t = setTimeout(() => {
      setState((s) => ({ ...s, pending: true }));
      sendJson<Preview>("POST", "/api/intents/preview", body).then(
        (preview) => live && setState({ preview, pending: false }),
        (error: ApiError) => live && setState({ error, pending: false }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, enabled]);
  return state;
}

function TrafficShiftCard({
  namespace,
  name,
  subsets,
  intent,
  live,
  hostVersion,
  onApplied,
  result,
  setResult,
}: {
  namespace: string;
  name: string;
  subsets: string[];
  intent: IntentView | undefined;
  live: Record<string, number> | undefined;
  hostVersion: string;
  onApplied(): void;
  result: { ok?: string; error?: ApiError };
  setResult(r: { ok?: string; error?: ApiError }): void;
}) {
  const inForce = useMemo(() => weightsFrom(subsets, intent), [subsets, intent]);
  const [weights, setWeights] = useState(inForce);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const draft = { kind: "traffic-shift", namespace, target: name, spec: { protocol: "http", weights: weights.map(({ subset, weight }) => ({ subset, weight })) } };
  const changed = JSON.stringify(weights.map((w) => w.weight)) !== JSON.stringify(inForce.map((w) => w.weight)) || !intent;
  const preview = usePreview({ intent: draft }, true, hostVersion);

  const apply = async () => {
    setBusy(true);
    setResult({});
    try {
      const r = await sendJson<{ intent: IntentView }>("PUT", "/api/intents", { intent: draft, expectedRevision: intent?.revision ?? 0, message });
      setResult({ ok: `Applied revision ${r.intent.revision}.` });
      setMessage("");
      onApplied();
    } catch (e) {
      setResult({ error: e as ApiError });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" aria-labelledby="shift-title">
      <h2 id="shift-title">Traffic shifting</h2>
      <p className="muted small">
        {intent ? `In force: revision ${intent.revision} by ${intent.author}${intent.message ? ` (“${intent.message}”)` : ""}.` : "No traffic-shifting intent yet: traffic is spread over all versions by the platform."}
      </p>
      <WeightSliders weights={weights} live={live} onChange={setWeights} disabled={busy} />
      <div className="toolbar">
        <button type="button" className="button" onClick={() => setWeights(inForce)} disabled={busy}>
          Reset
        </button>
        <label htmlFor="shift-message" className="visually-hidden">
          Change message
        </label>
        <input id="shift-message" className="input grow" placeholder="Why (kept in the history)" value={message} maxLength={500} onChange={(e) => setMessage(e.target.value)} />
        <button type="button" className="button button-primary" onClick={() => void apply()} disabled={busy || !changed || !!preview.preview?.findings.some((f) => f.severity === "error")}>
          {busy ? "Applying…" : "Apply"}
        </button>
      </div>
      {result.ok && <p className="ok" role="status">{result.ok}</p>}
      {result.error && <ErrorBox error={result.error} />}
      <PreviewPanel state={preview} />
      {intent && <HistoryPanel intent={intent} onApplied={onApplied} />}
    </div>
  );
}

function PreviewPanel({ state }: { state: ReturnType<typeof usePreview> }) {
  return (
    <details className="preview" open>
      <summary>Preview {state.pending ? <span className="muted small">(updating…)</span> : null}</summary>
      {state.error && <ErrorBox error={state.error} testId="preview-error" />}
      {state.preview && (
        <>
          <Findings findings={state.preview.findings} />
          <div className="preview-grid">
            <div>
              <h3>Objects</h3>
              <pre className="code" data-testid="preview-yaml">{state.preview.yaml || "(no objects)"}</pre>
            </div>
            <div>
              <h3>Diff against what is in force</h3>
              <YamlDiff diff={state.preview.diff} />
            </div>
          </div>
        </>
      )}
    </details>
  );
}

function Findings({ findings }: { findings: Preview["findings"] }) {
  if (findings.length === 0) return <p className="ok small" data-testid="findings">No problems found.</p>;
  return (
    <ul className="findings" data-testid="findings">
      {findings.map((f, i) => (
        <li key={i} className={f.severity === "error" ? "bad" : "warn"}>
          <code>{f.code}</code> {f.severity}: {f.message} <span className="muted small">({f.path})</span>
        </li>
      ))}
    </ul>
  );
}

function ErrorBox({ error, testId }: { error: ApiError; testId?: string }) {
  return (
    <div className="alert" role="alert" data-testid={testId}>
      {error.status === 409 ? <strong>Someone changed this since you loaded it. </strong> : null}
      {error.message}
      {error.issues.length > 0 && (
        <ul>
          {error.issues.map((i, k) => (
            <li key={k}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function HistoryPanel({ intent, onApplied }: { intent: IntentView; onApplied(): void }) {
  const history = useQuery({ queryKey: ["intent-history", intent.id, intent.revision], queryFn: ({ signal }) => getJson<History>(`/api/intents/${intent.id}/revisions`, signal) });
  const [diffOf, setDiffOf] = useState<number | null>(null);
  const diff = useQuery({
    queryKey: ["intent-diff", intent.id, diffOf, intent.revision],
    queryFn: ({ signal }) => getJson<{ renderedDiff: string; intentDiff: string }>(`/api/intents/${intent.id}/diff?from=${diffOf}&to=${intent.revision}`, signal),
    enabled: diffOf !== null,
  });
  const [error, setError] = useState<ApiError | null>(null);
  const rollback = async (to: number) => {
    setError(null);
    try {
      await sendJson("POST", `/api/intents/${intent.id}/rollback`, { toRevision: to, expectedRevision: intent.revision });
      onApplied();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <details className="history" open>
      <summary>History</summary>
      {error && <ErrorBox error={error} />}
      {history.isPending ? (
        <p className="muted small">Loading history…</p>
      ) : history.error ? (
        <p className="alert">{history.error.message}</p>
      ) : (
        <table className="table table-compact" aria-label="Revisions">
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Change</th>
              <th scope="col">Message</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {history.data.revisions.map((r) => (
              <tr key={r.number} data-testid={`revision-${r.number}`}>
                <td>{r.number === intent.revision ? <strong>{r.number} (in force)</strong> : r.number}</td>
                <td className="small">{new Date(r.createdAt).toLocaleString()}</td>
                <td>{r.author}</td>
                <td className="mono small">{summary(r.spec)}</td>
                <td>{r.message}</td>
                <td>
                  {r.number !== intent.revision && (
                    <>
                      <button type="button" className="button button-small" onClick={() => setDiffOf(diffOf === r.number ? null : r.number)} aria-pressed={diffOf === r.number}>
                        Diff
                      </button>
                      <button type="button" className="button button-small" onClick={() => void rollback(r.number)}>
                        Roll back to {r.number}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diffOf !== null && diff.data && (
        <div data-testid="history-diff">
          <h3>Revision {diffOf} → {intent.revision}</h3>
          <YamlDiff diff={diff.data.renderedDiff} empty="The generated objects are the same." />
        </div>
      )}
    </details>
  );
}

function summary(spec: unknown): string {
  const w = (spec as { weights?: { subset: string; weight: number }[] })?.weights;
  return w ? w.map((x) => `${x.subset} ${x.weight}`).join(" / ") : JSON.stringify(spec).slice(0, 80);
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
      {mode === "form" ? (
        <Form spec={formSpec} onChange={setFormSpec} subsets={subsets} />
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
      {result.ok && <p className="ok" role="status">{result.ok}</p>}
      {result.error && <ErrorBox error={result.error} />}
      {!parseError && <PreviewPanel state={preview} />}
      {existing && <HistoryPanel intent={existing} onApplied={onApplied} />}
    </>
  );
}
