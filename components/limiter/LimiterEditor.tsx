"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import YAML from "yaml";
import type { LimiterPreview } from "@/server/limiter/service";
import { ApiError, type FieldIssue } from "../api";
import { sendJson } from "../api-write";
import { YamlDiff } from "../traffic/YamlDiff";
import { type DescriptorForm, type LimiterForm, MATCH_KINDS, MATCH_SOURCES, STRATEGIES, expressionProblem, formToObject, newDescriptor, newMatch } from "./form";

/**
 * Create or edit a SmartLimiter, as a form or as Slime's YAML (import). Every
 * change is validated live by the server's preview (the same checks as save),
 * which also shows the EnvoyFilters it would generate now and the diff from
 * what is in force. Save keeps the revision it was based on (409 if stale).
 */
export function LimiterEditor(props: { initialForm?: LimiterForm; initialYaml: string; startInYaml: boolean; formNote?: string; revision: number; onDone: () => void }) {
  const [mode, setMode] = useState<"form" | "yaml">(props.startInYaml ? "yaml" : "form");
  const [form, setForm] = useState<LimiterForm | undefined>(props.initialForm);
  const [yaml, setYaml] = useState(props.initialYaml);
  const [message, setMessage] = useState("");
  const [result, setResult] = useState<{ key: string; data?: LimiterPreview; issues: FieldIssue[]; error?: string }>({ key: "", issues: [] });
  const queryClient = useQueryClient();
  const built = useMemo(() => (form ? formToObject(form) : undefined), [form]);
  const body = mode === "yaml" ? { yaml } : { limiter: built?.object };
  const bodyKey = JSON.stringify(body);
  const seq = useRef(0);

  // The preview answers for one body; until the answer for the current one arrives, it is pending.
  const preview = { ...result, pending: result.key !== bodyKey };
  useEffect(() => {
    const n = ++seq.current;
    const t = setTimeout(() => {
      sendJson<LimiterPreview>("POST", "/api/limiters/preview", JSON.parse(bodyKey))
        .then((data) => n === seq.current && setResult({ key: bodyKey, data, issues: [] }))
        .catch((e: unknown) => n === seq.current && setResult({ key: bodyKey, issues: e instanceof ApiError ? e.issues : [], error: e instanceof Error ? e.message : String(e) }));
    }, 350);
    return () => clearTimeout(t);
  }, [bodyKey]);

  const save = useMutation({
    mutationFn: () => sendJson<{ id: string; revision: number }>("PUT", "/api/limiters", { ...JSON.parse(bodyKey), expectedRevision: props.revision, ...(message ? { message } : {}) }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["limiters"] });
      props.onDone();
    },
  });

  /** Server issues for one form descriptor's field ("action.quota", "target", ...). */
  const issueFor = (i: number, field: string) => {
    const place = built?.places[i];
    if (!place) return undefined;
    const prefix = `body.limiter.spec.sets.${place.set}.descriptor[${place.index}].${field}`;
    return preview.issues.find((x) => x.path === prefix || x.path.startsWith(`${prefix}.`) || x.path.startsWith(`${prefix}[`))?.message;
  };
  const topIssue = (field: string) => preview.issues.find((x) => x.path === `body.limiter.${field}` || x.path.startsWith(`body.limiter.${field}.`))?.message;

  const switchTo = (m: "form" | "yaml") => {
    if (m === "yaml" && built) setYaml(YAML.stringify(built.object));
    setMode(m);
  };
  const setD = (i: number, patch: Partial<DescriptorForm>) => setForm((f) => f && { ...f, descriptors: f.descriptors.map((d, j) => (j === i ? { ...d, ...patch } : d)) });

  return (
    <div className="card" data-testid="limiter-editor">
      <div className="toolbar" role="tablist" aria-label="Editor">
        <button type="button" role="tab" aria-selected={mode === "form"} className={mode === "form" ? "button button-primary" : "button"} onClick={() => switchTo("form")} disabled={!form}>
          Form
        </button>
        <button type="button" role="tab" aria-selected={mode === "yaml"} className={mode === "yaml" ? "button button-primary" : "button"} onClick={() => switchTo("yaml")}>
          YAML
        </button>
        {!form && props.formNote && <span className="muted small">The form cannot show this limiter ({props.formNote}); edit its YAML.</span>}
        <div className="spacer" />
        <span className="muted small" role="status" aria-live="polite">
          {preview.pending ? "Checking…" : preview.error ? "Not valid" : "Valid"}
        </span>
      </div>
      {mode === "yaml" ? (
        <label className="form-field">
          SmartLimiter YAML (microservice.slime.io/v1alpha2)
          <textarea className="input code-input" rows={18} spellCheck={false} value={yaml} onChange={(e) => setYaml(e.target.value)} aria-label="SmartLimiter YAML" data-testid="limiter-yaml" />
        </label>
      ) : (
        form && (
          <div className="form">
            <div className="form-row">
              <label className="form-field">
                Namespace
                <input className="input" value={form.namespace} onChange={(e) => setForm({ ...form, namespace: e.target.value })} aria-invalid={Boolean(topIssue("metadata.namespace"))} disabled={props.revision > 0} />
              </label>
              <label className="form-field">
                Name (the service)
                <input className="input" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} aria-label="Name" disabled={props.revision > 0} />
              </label>
              <label className="check">
                <input type="checkbox" checked={form.gateway} onChange={(e) => setForm({ ...form, gateway: e.target.checked })} /> Gateway
              </label>
              <label className="form-field">
                Workload selector {form.gateway ? "(required)" : "(optional)"}
                <input className="input" placeholder="app=reviews, version=v2" value={form.workloadSelector} onChange={(e) => setForm({ ...form, workloadSelector: e.target.value })} />
              </label>
            </div>
            {(topIssue("metadata") || topIssue("spec.workloadSelector")) && <p className="error-text small">{topIssue("metadata") ?? topIssue("spec.workloadSelector")}</p>}
            {form.descriptors.map((d, i) => (
              <fieldset className="form-group" key={i} data-testid={`descriptor-${i}`}>
                <legend>Descriptor {i + 1}</legend>
                <div className="form-row">
                  <Field label="Set" value={d.set} onChange={(v) => setD(i, { set: v })} width={90} />
                  <Field label="Quota" value={d.quota} onChange={(v) => setD(i, { quota: v })} error={expressionProblem(d.quota) ?? issueFor(i, "action.quota")} testId={`quota-${i}`} mono />
                  <Field label="Per (seconds)" value={d.seconds} onChange={(v) => setD(i, { seconds: v })} error={issueFor(i, "action.fill_interval")} width={90} />
                  <label className="form-field">
                    Strategy
                    <select className="input" value={d.strategy} onChange={(e) => setD(i, { strategy: e.target.value as DescriptorForm["strategy"] })} aria-invalid={Boolean(issueFor(i, "action.strategy"))}>
                      {STRATEGIES.map((s) => (
                        <option key={s}>{s}</option>
                      ))}
                    </select>
                  </label>
                  <Field label="Condition" value={d.condition} onChange={(v) => setD(i, { condition: v })} error={expressionProblem(d.condition) ?? issueFor(i, "condition")} testId={`condition-${i}`} mono />
                </div>
                <div className="form-row">
                  <label className="form-field">
                    Direction
                    <select className="input" value={d.direction} onChange={(e) => setD(i, { direction: e.target.value as DescriptorForm["direction"] })}>
                      <option value="inbound">inbound (the service&apos;s own pods)</option>
                      <option value="outbound">outbound (calls to routes or hosts)</option>
                    </select>
                  </label>
                  <Field label="Port" value={d.port} onChange={(v) => setD(i, { port: v })} width={80} error={issueFor(i, "target.port")} />
                  {(d.direction === "outbound" || form.gateway) && (
                    <>
                      <Field label="Routes (host:port/route, one per line)" value={d.routes} onChange={(v) => setD(i, { routes: v })} multiline />
                      <Field label="Hosts (one per line)" value={d.hosts} onChange={(v) => setD(i, { hosts: v })} multiline />
                    </>
                  )}
                </div>
                {issueFor(i, "target") && <p className="error-text small">Target: {issueFor(i, "target")}</p>}
                {d.matches.map((m, k) => (
                  <div className="form-row" key={k} data-testid={`match-${i}-${k}`}>
                    <label className="form-field">
                      Match on
                      <select className="input" value={m.source} onChange={(e) => setD(i, { matches: d.matches.map((x, j) => (j === k ? { ...x, source: e.target.value as typeof m.source } : x)) })}>
                        {MATCH_SOURCES.map((s) => (
                          <option key={s} value={s}>
                            {{ HeadMatch: "header", QueryMatch: "query parameter", SourceIpMatch: "client address" }[s]}
                          </option>
                        ))}
                      </select>
                    </label>
                    {m.source !== "SourceIpMatch" && (
                      <>
                        <Field label="Name" value={m.name} onChange={(v) => setD(i, { matches: d.matches.map((x, j) => (j === k ? { ...x, name: v } : x)) })} width={120} />
                        <label className="form-field">
                          Kind
                          <select className="input" value={m.kind} onChange={(e) => setD(i, { matches: d.matches.map((x, j) => (j === k ? { ...x, kind: e.target.value as typeof m.kind } : x)) })}>
                            {MATCH_KINDS.map((s) => (
                              <option key={s} value={s}>
                                {s.replace("_match", "")}
                              </option>
                            ))}
                          </select>
                        </label>
                      </>
                    )}
                    {m.kind !== "present_match" || m.source === "SourceIpMatch" ? <Field label="Value" value={m.value} onChange={(v) => setD(i, { matches: d.matches.map((x, j) => (j === k ? { ...x, value: v } : x)) })} /> : null}
                    {m.source === "HeadMatch" && (
                      <label className="check">
                        <input type="checkbox" checked={m.invert} onChange={(e) => setD(i, { matches: d.matches.map((x, j) => (j === k ? { ...x, invert: e.target.checked } : x)) })} /> invert
                      </label>
                    )}
                    <button type="button" className="button button-small" onClick={() => setD(i, { matches: d.matches.filter((_x, j) => j !== k) })} aria-label={`Remove match ${k + 1}`}>
                      Remove
                    </button>
                  </div>
                ))}
                {issueFor(i, "match") && <p className="error-text small">Match: {issueFor(i, "match")}</p>}
                <div className="toolbar">
                  <button type="button" className="button button-small" onClick={() => setD(i, { matches: [...d.matches, newMatch()] })}>
                    Add match
                  </button>
                  {form.descriptors.length > 1 && (
                    <button type="button" className="button button-small" onClick={() => setForm({ ...form, descriptors: form.descriptors.filter((_x, j) => j !== i) })}>
                      Remove descriptor
                    </button>
                  )}
                </div>
              </fieldset>
            ))}
            <div>
              <button type="button" className="button" onClick={() => setForm({ ...form, descriptors: [...form.descriptors, newDescriptor()] })}>
                Add descriptor
              </button>
            </div>
          </div>
        )
      )}
      {preview.error && (
        <div className="alert" role="alert" data-testid="limiter-problems">
          <p>{preview.error}</p>
          {preview.issues.length > 0 && (
            <ul className="findings">
              {preview.issues.map((x, i) => (
                <li key={i}>
                  <code>{x.path.replace(/^body\.(limiter|yaml)\.?/, "") || "yaml"}</code>: {x.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {preview.data && !preview.error && (
        <div className="preview-grid">
          <div>
            <h3>EnvoyFilters it would generate now</h3>
            {preview.data.problems.map((p) => <p key={p} className="warn small">{p}</p>)}
            {(preview.data.notes ?? []).map((n) => <p key={n} className="muted small" data-testid="limiter-note">Note: {n}</p>)}
            {preview.data.evaluation.descriptors.some((x) => x.error) && (
              <ul className="findings warn small">
                {preview.data.evaluation.descriptors.filter((x) => x.error).map((x) => <li key={`${x.set}-${x.index}`}>{x.set}[{x.index}]: {x.error}</li>)}
              </ul>
            )}
            {preview.data.envoyFiltersYaml ? <pre className="code" data-testid="preview-envoyfilter">{preview.data.envoyFiltersYaml}</pre> : <p className="muted small">None: no descriptor is in force with the current metric values.</p>}
          </div>
          <div>
            <h3>Change to what is in force</h3>
            <YamlDiff diff={preview.data.diff} />
          </div>
        </div>
      )}
      <div className="toolbar">
        <input className="input grow" placeholder="Why (optional, kept in the history)" value={message} onChange={(e) => setMessage(e.target.value)} aria-label="Change message" />
        <button type="button" className="button" onClick={props.onDone}>
          Cancel
        </button>
        <button type="button" className="button button-primary" disabled={save.isPending || Boolean(preview.error) || preview.pending} onClick={() => save.mutate()} data-testid="limiter-save">
          {save.isPending ? "Saving…" : props.revision ? `Save revision ${props.revision + 1}` : "Create"}
        </button>
      </div>
      {save.error && (
        <div className="alert" role="alert">
          {save.error.message}
          {save.error instanceof ApiError && save.error.status === 409 && " Someone changed it meanwhile: close and reopen to start from their revision."}
        </div>
      )}
    </div>
  );
}

function Field(props: { label: string; value: string; onChange: (v: string) => void; error?: string; width?: number; mono?: boolean; multiline?: boolean; testId?: string }) {
  const style = props.width ? { width: props.width } : undefined;
  const cls = `input${props.error ? " input-error" : ""}${props.mono ? " code-input" : ""}`;
  return (
    <label className="form-field">
      {props.label}
      {props.multiline ? (
        <textarea className={cls} rows={2} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-invalid={Boolean(props.error)} />
      ) : (
        <input className={cls} style={style} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-invalid={Boolean(props.error)} data-testid={props.testId} />
      )}
      {props.error && <span className="error-text small">{props.error}</span>}
    </label>
  );
}
