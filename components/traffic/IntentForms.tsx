"use client";

import { createContext, useContext, useId } from "react";
import type { IntentKind } from "@/server/intents/schemas";

/**
 * Field-by-field forms for the intent kinds other than traffic shifting. Each
 * edits the same spec object the YAML view shows and the API checks, so the
 * two views never disagree; what a form cannot express (several weighted
 * subsets in one routing rule, several matches) stays editable as YAML.
 */
type Spec = Record<string, unknown>;
type FormProps = { spec: Spec; onChange(spec: Spec): void; subsets: string[] };

const clean = (o: Record<string, unknown>): Record<string, unknown> | undefined => {
  const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ""));
  return Object.keys(kept).length ? kept : undefined;
};
const num = (v: string): number | undefined => (v.trim() === "" ? undefined : Number(v));
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined), o);

/**
 * The problems the API found, by the path of the spec field they are about
 * ("spec.delay.percentage"): each form field shows its own under the input.
 */
export const FieldIssues = createContext<(path: string) => string[]>(() => []);

/** The issue paths the form of each kind shows at a field (the rest stay in the error box). */
export const FORM_PATHS: Record<Exclude<IntentKind, "traffic-shift">, RegExp> = {
  "fault-injection": /^spec\.((delay|abort)\.(fixedDelay|percentage|httpStatus)$|match\[0\]\.)/,
  "timeouts-retries": /^spec\.(timeout|retries\.(attempts|perTryTimeout|retryOn))/,
  "circuit-breaking": /^spec\.(connectionPool\.(tcp|http)\.\w+|outlierDetection\.\w+)$/,
  mirroring: /^spec\.(subset|percentage)$/,
  "load-balancer": /^spec\.consistentHash\.(httpHeaderName|httpCookie\.name)$/,
  "request-routing": /^spec\.rules\[\d+\]/,
};

type A11y = { "aria-invalid"?: true; "aria-describedby"?: string };

/** A labelled form field; with `path`, the API's problems with that spec field are shown under it. */
function Field({ label, children, hint, path, prefix }: { label: string; children: (id: string, a11y: A11y) => React.ReactNode; hint?: string; path?: string; prefix?: boolean }) {
  const id = useId();
  const issuesAt = useContext(FieldIssues);
  const issues = path ? issuesAt(prefix ? `${path}*` : path) : [];
  const errorId = `${id}-error`;
  return (
    <div className={issues.length ? "form-field has-error" : "form-field"}>
      <label htmlFor={id}>{label}</label>
      {children(id, issues.length ? { "aria-invalid": true, "aria-describedby": errorId } : {})}
      {issues.length > 0 && (
        <span id={errorId} className="error-text small" data-testid={`field-error-${path}`}>
          {[...new Set(issues)].join("; ")}
        </span>
      )}
      {hint && <span className="muted small">{hint}</span>}
    </div>
  );
}

const MATCH_TYPES = ["exact", "prefix", "regex"] as const;

/** One header (or URI) match: type and value. */
function HeaderMatch({ value, onChange, prefix, path }: { value: { name: string; type: string; text: string }; onChange(v: { name: string; type: string; text: string }): void; prefix: string; path?: string }) {
  return (
    <div className="form-row">
      <Field label={`${prefix} header`}>{(id) => <input id={id} className="input" placeholder="end-user" value={value.name} onChange={(e) => onChange({ ...value, name: e.target.value.toLowerCase() })} />}</Field>
      <Field label="is">
        {(id) => (
          <select id={id} className="input" value={value.type} onChange={(e) => onChange({ ...value, type: e.target.value })}>
            {MATCH_TYPES.map((t) => <option key={t}>{t}</option>)}
          </select>
        )}
      </Field>
      <Field label="value" path={path} prefix>{(id, a) => <input id={id} {...a} className="input" placeholder="jason" value={value.text} onChange={(e) => onChange({ ...value, text: e.target.value })} />}</Field>
    </div>
  );
}

function headerOf(match: unknown): { name: string; type: string; text: string } {
  const headers = (get(match, "headers") ?? {}) as Record<string, Record<string, string>>;
  const [name, m] = Object.entries(headers)[0] ?? ["", {}];
  const [type, text] = Object.entries(m ?? {})[0] ?? ["exact", ""];
  return { name, type, text: text ?? "" };
}
const headerMatch = (h: { name: string; type: string; text: string }) => (h.name ? [{ headers: { [h.name]: { [h.type]: h.text } } }] : undefined);

function FaultForm({ spec, onChange }: FormProps) {
  const delay = spec.delay as { fixedDelay?: string; percentage?: number } | undefined;
  const abort = spec.abort as { httpStatus?: number; percentage?: number } | undefined;
  const h = headerOf((spec.match as unknown[] | undefined)?.[0]);
  const set = (patch: Spec) => onChange(clean({ ...spec, ...patch }) ?? {});
  return (
    <div className="form">
      <HeaderMatch prefix="Only requests whose" path="spec.match[0]." value={h} onChange={(v) => set({ match: headerMatch(v) })} />
      <fieldset className="form-group">
        <legend>
          <label className="check"><input type="checkbox" checked={!!delay} onChange={(e) => set({ delay: e.target.checked ? { fixedDelay: "5s", percentage: 100 } : undefined })} /> Delay</label>
        </legend>
        {delay && (
          <div className="form-row">
            <Field label="Delay by" path="spec.delay.fixedDelay">{(id, a) => <input id={id} {...a} className="input" value={delay.fixedDelay ?? ""} onChange={(e) => set({ delay: { ...delay, fixedDelay: e.target.value } })} />}</Field>
            <Field label="Of requests (%)" path="spec.delay.percentage">{(id, a) => <input id={id} {...a} type="number" className="input" value={delay.percentage ?? ""} onChange={(e) => set({ delay: { ...delay, percentage: num(e.target.value) } })} />}</Field>
          </div>
        )}
      </fieldset>
      <fieldset className="form-group">
        <legend>
          <label className="check"><input type="checkbox" checked={!!abort} onChange={(e) => set({ abort: e.target.checked ? { httpStatus: 503, percentage: 100 } : undefined })} /> Abort</label>
        </legend>
        {abort && (
          <div className="form-row">
            <Field label="With HTTP status" path="spec.abort.httpStatus">{(id, a) => <input id={id} {...a} type="number" className="input" value={abort.httpStatus ?? ""} onChange={(e) => set({ abort: { ...abort, httpStatus: num(e.target.value) } })} />}</Field>
            <Field label="Of requests (%)" path="spec.abort.percentage">{(id, a) => <input id={id} {...a} type="number" className="input" value={abort.percentage ?? ""} onChange={(e) => set({ abort: { ...abort, percentage: num(e.target.value) } })} />}</Field>
          </div>
        )}
      </fieldset>
    </div>
  );
}

const RETRY_ON = ["5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "refused-stream", "unavailable", "deadline-exceeded"];

function TimeoutsForm({ spec, onChange }: FormProps) {
  const retries = spec.retries as { attempts?: number; perTryTimeout?: string; retryOn?: string[] } | undefined;
  const set = (patch: Spec) => onChange(clean({ ...spec, ...patch }) ?? {});
  const setRetries = (patch: Spec) => set({ retries: clean({ ...retries, ...patch }) });
  return (
    <div className="form">
      <Field label="Timeout" hint="e.g. 2s, 500ms; empty: none" path="spec.timeout">{(id, a) => <input id={id} {...a} className="input" value={(spec.timeout as string) ?? ""} onChange={(e) => set({ timeout: e.target.value || undefined })} />}</Field>
      <div className="form-row">
        <Field label="Retry attempts" path="spec.retries.attempts">{(id, a) => <input id={id} {...a} type="number" className="input" value={retries?.attempts ?? ""} onChange={(e) => setRetries({ attempts: num(e.target.value) })} />}</Field>
        <Field label="Per-try timeout" path="spec.retries.perTryTimeout">{(id, a) => <input id={id} {...a} className="input" value={retries?.perTryTimeout ?? ""} onChange={(e) => setRetries({ perTryTimeout: e.target.value || undefined })} />}</Field>
      </div>
      <fieldset className="form-group">
        <legend>Retry on</legend>
        {RETRY_ON.map((c) => (
          <label key={c} className="check small">
            <input
              type="checkbox"
              checked={!!retries?.retryOn?.includes(c)}
              onChange={(e) => {
                const next = e.target.checked ? [...(retries?.retryOn ?? []), c] : (retries?.retryOn ?? []).filter((x) => x !== c);
                setRetries({ retryOn: next.length ? next : undefined });
              }}
            />
            {c}
          </label>
        ))}
      </fieldset>
    </div>
  );
}

function CircuitForm({ spec, onChange }: FormProps) {
  const n = (path: string[]) => get(spec, ...path) as number | string | undefined;
  const set = (path: string[], value: unknown) => {
    const next = structuredClone(spec) as Record<string, Record<string, Record<string, unknown>>>;
    const [a, b, c] = path as [string, string, string?];
    if (c) {
      next[a] ??= {};
      next[a]![b] ??= {};
      (next[a]![b] as Record<string, unknown>)[c] = value;
    } else {
      next[a] ??= {};
      (next[a] as Record<string, unknown>)[b] = value;
    }
    const prune = (o: unknown): unknown => (o && typeof o === "object" && !Array.isArray(o) ? clean(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, prune(v)]))) : o);
    onChange((prune(next) as Spec) ?? {});
  };
  const numField = (label: string, path: string[]) => (
    <Field label={label} path={`spec.${path.join(".")}`}>{(id, a) => <input id={id} {...a} type="number" className="input" value={n(path) ?? ""} onChange={(e) => set(path, num(e.target.value))} />}</Field>
  );
  const durField = (label: string, path: string[]) => (
    <Field label={label} path={`spec.${path.join(".")}`}>{(id, a) => <input id={id} {...a} className="input" value={n(path) ?? ""} onChange={(e) => set(path, e.target.value || undefined)} />}</Field>
  );
  return (
    <div className="form">
      <fieldset className="form-group">
        <legend>Connection pool</legend>
        <div className="form-row">
          {numField("Max connections", ["connectionPool", "tcp", "maxConnections"])}
          {durField("Connect timeout", ["connectionPool", "tcp", "connectTimeout"])}
          {numField("Max pending requests", ["connectionPool", "http", "http1MaxPendingRequests"])}
          {numField("Max requests", ["connectionPool", "http", "http2MaxRequests"])}
          {numField("Max requests per connection", ["connectionPool", "http", "maxRequestsPerConnection"])}
        </div>
      </fieldset>
      <fieldset className="form-group">
        <legend>Outlier detection</legend>
        <div className="form-row">
          {numField("Consecutive 5xx errors", ["outlierDetection", "consecutive5xxErrors"])}
          {durField("Interval", ["outlierDetection", "interval"])}
          {durField("Base ejection time", ["outlierDetection", "baseEjectionTime"])}
          {numField("Max ejection %", ["outlierDetection", "maxEjectionPercent"])}
        </div>
      </fieldset>
    </div>
  );
}

function MirrorForm({ spec, onChange, subsets }: FormProps) {
  return (
    <div className="form-row">
      <Field label="Mirror to subset" path="spec.subset">
        {(id, a) => (
          <select id={id} {...a} className="input" value={(spec.subset as string) ?? ""} onChange={(e) => onChange({ ...spec, subset: e.target.value })}>
            <option value="" disabled>choose…</option>
            {subsets.map((s) => <option key={s}>{s}</option>)}
          </select>
        )}
      </Field>
      <Field label="Of requests (%)" path="spec.percentage">{(id, a) => <input id={id} {...a} type="number" className="input" value={(spec.percentage as number) ?? ""} onChange={(e) => onChange({ ...spec, percentage: num(e.target.value) })} />}</Field>
    </div>
  );
}

const LB_MODES = ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH", "hash: header", "hash: source IP", "hash: cookie"];

function LoadBalancerForm({ spec, onChange }: FormProps) {
  const hash = spec.consistentHash as Record<string, unknown> | undefined;
  const mode = spec.simple ? String(spec.simple) : hash?.httpHeaderName !== undefined ? "hash: header" : hash?.useSourceIp ? "hash: source IP" : hash?.httpCookie ? "hash: cookie" : "ROUND_ROBIN";
  const choose = (m: string) =>
    onChange(m === "hash: header" ? { consistentHash: { httpHeaderName: "x-user" } } : m === "hash: source IP" ? { consistentHash: { useSourceIp: true } } : m === "hash: cookie" ? { consistentHash: { httpCookie: { name: "session", ttl: "3600s" } } } : { simple: m });
  return (
    <div className="form-row">
      <Field label="Policy">
        {(id) => (
          <select id={id} className="input" value={mode} onChange={(e) => choose(e.target.value)}>
            {LB_MODES.map((m) => <option key={m}>{m}</option>)}
          </select>
        )}
      </Field>
      {mode === "hash: header" && <Field label="Header" path="spec.consistentHash.httpHeaderName">{(id, a) => <input id={id} {...a} className="input" value={String(hash?.httpHeaderName ?? "")} onChange={(e) => onChange({ consistentHash: { httpHeaderName: e.target.value } })} />}</Field>}
      {mode === "hash: cookie" && (
        <Field label="Cookie" path="spec.consistentHash.httpCookie.name">{(id, a) => <input id={id} {...a} className="input" value={String(get(hash, "httpCookie", "name") ?? "")} onChange={(e) => onChange({ consistentHash: { httpCookie: { ...(hash?.httpCookie as object), name: e.target.value } } })} />}</Field>
      )}
    </div>
  );
}

/** The API's problems with one routing rule, shown in that rule's box. */
function RuleIssues({ index }: { index: number }) {
  const issues = useContext(FieldIssues)(`spec.rules[${index}]*`);
  return issues.length ? (
    <p className="error-text small" data-testid={`rule-error-${index}`}>
      {[...new Set(issues)].join("; ")}
    </p>
  ) : null;
}

function RoutingForm({ spec, onChange, subsets }: FormProps) {
  const rules = (spec.rules as { name?: string; match: unknown[]; route: { subset: string; weight: number }[] }[] | undefined) ?? [];
  const setRules = (next: typeof rules) => onChange({ rules: next });
  return (
    <div className="form">
      {rules.map((r, i) => {
        const h = headerOf(r.match[0]);
        const uri = get(r.match[0], "uri") as Record<string, string> | undefined;
        const [uriType, uriText] = Object.entries(uri ?? {})[0] ?? ["prefix", ""];
        const setRule = (patch: Partial<(typeof rules)[number]>) => setRules(rules.map((x, k) => (k === i ? { ...x, ...patch } : x)));
        const setMatch = (hh: typeof h, ut: string, uv: string) => setRule({ match: [clean({ headers: hh.name ? { [hh.name]: { [hh.type]: hh.text } } : undefined, uri: uv ? { [ut]: uv } : undefined }) ?? {}] });
        return (
          <fieldset className="form-group" key={i}>
            <legend>Rule {i + 1}{r.match.length > 1 || r.route.length > 1 ? " (has more matches or subsets than this form shows: edit it as YAML)" : ""}</legend>
            <RuleIssues index={i} />
            <HeaderMatch prefix="When the" value={h} onChange={(v) => setMatch(v, uriType, uriText ?? "")} />
            <div className="form-row">
              <Field label="or the URI">
                {(id) => (
                  <select id={id} className="input" value={uriType} onChange={(e) => setMatch(h, e.target.value, uriText ?? "")}>
                    {MATCH_TYPES.map((t) => <option key={t}>{t}</option>)}
                  </select>
                )}
              </Field>
              <Field label="value">{(id) => <input id={id} className="input" placeholder="/api" value={uriText ?? ""} onChange={(e) => setMatch(h, uriType, e.target.value)} />}</Field>
              <Field label="send to subset">
                {(id) => (
                  <select id={id} className="input" value={r.route[0]?.subset ?? ""} onChange={(e) => setRule({ route: [{ subset: e.target.value, weight: 100 }] })}>
                    {subsets.map((s) => <option key={s}>{s}</option>)}
                  </select>
                )}
              </Field>
              <button type="button" className="button button-small" onClick={() => setRules(rules.filter((_, k) => k !== i))}>Remove rule</button>
            </div>
          </fieldset>
        );
      })}
      <button type="button" className="button" onClick={() => setRules([...rules, { match: [{ headers: { "end-user": { exact: "" } } }], route: [{ subset: subsets[0] ?? "v1", weight: 100 }] }])}>
        Add rule
      </button>
    </div>
  );
}

export const INTENT_FORMS: Record<Exclude<IntentKind, "traffic-shift">, (p: FormProps) => React.ReactNode> = {
  "request-routing": RoutingForm,
  "fault-injection": FaultForm,
  "timeouts-retries": TimeoutsForm,
  "circuit-breaking": CircuitForm,
  mirroring: MirrorForm,
  "load-balancer": LoadBalancerForm,
};
