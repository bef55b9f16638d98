import YAML from "yaml";
import { convertLegacySmartLimiter, isLegacySmartLimiter } from "./legacy";
import { z } from "zod";
import { dnsLabel as dnsLabelOf, validRegex } from "../mesh/names";
import { ExpressionError, parseExpression, variables } from "./expr";

/**
 * Slime's SmartLimiter (microservice.slime.io/v1alpha2), as Sextant accepts
 * it: every field of Slime's CRD (server/translate/crds/microservice.slime.io_smartlimiters.yaml)
 * with its own names, unknown fields rejected (a typo is an error, not a
 * silently ignored limit), and the rules Slime only finds at run time checked
 * at the door: expressions parse, variables name a declared set, a global
 * strategy uses a fill_interval its rate limit service can count in, every
 * descriptor has a target. Plain data and zod only: the form uses it too.
 */
export const API_VERSION = "microservice.slime.io/v1alpha2";
export const BASE_SET = "_base";
export const STRATEGIES = ["single", "average", "global"] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** What Envoy's rate limit service can count in (seconds): second, minute, hour, day. */
export const GLOBAL_FILL_INTERVALS = [1, 60, 3600, 86400] as const;

const dnsLabel = dnsLabelOf();
const setName = z.string().regex(/^(_base|[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/, "must be _base or a subset name (a version label value)").max(63);

const expression = (what: string) =>
  z.string({ error: `must be a string (an expression, e.g. ${what === "quota" ? "'100' or '100/{{._base.pod}}'" : "'true' or '{{._base.rps}} > 10'"})` }).superRefine((s, ctx) => {
    try {
      parseExpression(s);
    } catch (e) {
      if (e instanceof ExpressionError) ctx.addIssue({ code: "custom", message: `${what} ${e.message}` });
      else throw e;
    }
  });

const int32 = (msg: string) => z.number({ error: msg }).int(msg);

export const fillInterval = z.strictObject({
  seconds: int32("must be a whole number of seconds").min(0, "must not be negative").max(315_576_000_000).optional(),
  nanos: int32("must be a whole number of nanoseconds").min(0, "must be between 0 and 999999999").max(999_999_999, "must be between 0 and 999999999").optional(),
});

export const target = z.strictObject({
  direction: z.enum(["inbound", "outbound"], { error: "must be inbound or outbound" }).optional(),
  port: int32("must be a port number").min(1, "must be a port number (1-65535)").max(65535, "must be a port number (1-65535)").optional(),
  // Slime's "/foo" (empty virtual host) names the route foo in any virtual host.
  // Slime reads <virtual host>/<route name> for outbound and gateway targets and skips other entries; inbound targets ignore route.
  route: z.array(z.string().min(1, "must not be empty").regex(/^\S+$/, "must not contain spaces")).min(1).optional(),
  host: z.array(z.string().min(1, "must not be empty").regex(/^\S+$/, "must not contain spaces")).min(1).optional(),
});
export type Target = z.infer<typeof target>;

const MATCH_KINDS = ["exact_match", "prefix_match", "suffix_match", "regex_match", "present_match", "is_exact_match_empty"] as const;

export const matcher = z
  .strictObject({
    name: z.string().max(256).optional(),
    matchSource: z.enum(["HeadMatch", "QueryMatch", "JsonBodyMatch", "SourceIpMatch"], { error: "must be HeadMatch, QueryMatch, JsonBodyMatch or SourceIpMatch" }).optional(),
    exact_match: z.string().optional(),
    prefix_match: z.string().min(1, "must not be empty").optional(),
    suffix_match: z.string().min(1, "must not be empty").optional(),
    regex_match: z.string().min(1, "must not be empty").max(1024).refine(validRegex, "is not a valid regular expression").optional(),
    present_match: z.boolean({ error: "must be true or false" }).optional(),
    present_match_separate: z.boolean({ error: "must be true or false" }).optional(),
    invert_match: z.boolean({ error: "must be true or false" }).optional(),
    is_exact_match_empty: z.boolean({ error: "must be true or false" }).optional(),
    /** Deprecated in Slime: matchSource: QueryMatch. */
    useQueryMatch: z.boolean({ error: "must be true or false" }).optional(),
  })
  .superRefine((m, ctx) => {
    const kinds = MATCH_KINDS.filter((k) => m[k] !== undefined && m[k] !== false);
    const source = matchSource(m);
    if (source === "JsonBodyMatch") ctx.addIssue({ code: "custom", path: ["matchSource"], message: "JsonBodyMatch needs Slime's own Envoy plugin, which Envoy does not have; match on a header or query parameter instead" });
    if (source === "SourceIpMatch") {
      if (m.exact_match === undefined || kinds.length !== 1) ctx.addIssue({ code: "custom", path: ["exact_match"], message: "a SourceIpMatch needs exact_match: the client address to limit (e.g. 10.0.0.5)" });
      if (m.invert_match) ctx.addIssue({ code: "custom", path: ["invert_match"], message: "a SourceIpMatch cannot be inverted" });
      return;
    }
    if (!m.name) ctx.addIssue({ code: "custom", path: ["name"], message: `required: the ${source === "QueryMatch" ? "query parameter" : "header"} to match` });
    if (m.present_match_separate) {
      if (kinds.length) ctx.addIssue({ code: "custom", path: ["present_match_separate"], message: `cannot be combined with ${kinds.join(", ")}` });
      return;
    }
    if (kinds.length !== 1) ctx.addIssue({ code: "custom", message: kinds.length ? `only one of ${kinds.join(", ")} may be set` : `needs one of ${MATCH_KINDS.join(", ")}` });
    if (source === "QueryMatch" && m.invert_match) ctx.addIssue({ code: "custom", path: ["invert_match"], message: "only header matches can be inverted (Envoy's query parameter matcher has no invert)" });
    if (source === "QueryMatch" && m.is_exact_match_empty) ctx.addIssue({ code: "custom", path: ["is_exact_match_empty"], message: "applies to header matches only" });
  });
export type Matcher = z.infer<typeof matcher>;

export function matchSource(m: Matcher): "HeadMatch" | "QueryMatch" | "JsonBodyMatch" | "SourceIpMatch" {
  return m.matchSource === "QueryMatch" || (m.useQueryMatch && (m.matchSource ?? "HeadMatch") === "HeadMatch") ? "QueryMatch" : (m.matchSource ?? "HeadMatch");
}

export const descriptor = z.strictObject({
  action: z.strictObject({
    quota: expression("quota"),
    fill_interval: fillInterval,
    strategy: z.enum(STRATEGIES, { error: `must be one of ${STRATEGIES.join(", ")}` }).default("single"),
    headers_to_add: z.array(z.strictObject({ key: z.string().min(1, "must not be empty"), value: z.string() })).optional(),
  }),
  /** Absent means always. */
  condition: expression("condition").optional(),
  match: z.array(matcher).min(1).nullish(),
  target: target.optional(),
  custom_key: z.string().optional(),
  custom_value: z.string().optional(),
});
export type Descriptor = z.infer<typeof descriptor>;

export const smartLimiterSpec = z
  .strictObject({
    gateway: z.boolean({ error: "must be true or false" }).optional(),
    host: z.string().optional(),
    /** Deprecated in Slime (moved to its module config); kept so Slime YAML imports. */
    rls: z.string().optional(),
    sets: z.record(setName, z.strictObject({ descriptor: z.array(descriptor).min(1, "needs at least one descriptor") }), { error: "must map set names (_base or a subset) to {descriptor: [...]}" }),
    target: target.optional(),
    workloadSelector: z.record(z.string().min(1), z.string(), { error: "must map label names to values" }).optional(),
  })
  .superRefine((spec, ctx) => {
    if (Object.keys(spec.sets).length === 0) ctx.addIssue({ code: "custom", path: ["sets"], message: "needs at least one set (e.g. _base)" });
    if (spec.gateway && Object.keys(spec.workloadSelector ?? {}).length === 0) ctx.addIssue({ code: "custom", path: ["workloadSelector"], message: "required for a gateway: the labels of the gateway's pods" });
    const sets = Object.keys(spec.sets);
    for (const [set, { descriptor: ds }] of Object.entries(spec.sets)) {
      for (const [i, d] of ds.entries()) {
        const at = (...p: (string | number)[]) => ["sets", set, "descriptor", i, ...p];
        const t = d.target ?? spec.target;
        if (!t) ctx.addIssue({ code: "custom", path: at("target"), message: "required (or set spec.target): the port, routes or hosts to limit" });
        else if (t.direction === "outbound" && !t.route && !t.host) ctx.addIssue({ code: "custom", path: at("target"), message: "an outbound target needs route or host" });
        else if (spec.gateway && !t.route && !t.host) ctx.addIssue({ code: "custom", path: at("target"), message: "a gateway target needs route or host" });
        const fi = d.action.fill_interval;
        const ms = (fi.seconds ?? 0) * 1000 + (fi.nanos ?? 0) / 1e6;
        if (d.action.strategy === "global") {
          if (fi.nanos || !(GLOBAL_FILL_INTERVALS as readonly number[]).includes(fi.seconds ?? 0))
            ctx.addIssue({ code: "custom", path: at("action", "fill_interval", "seconds"), message: `the global strategy needs 1, 60, 3600 or 86400 seconds (the rate limit service counts per second, minute, hour or day); got ${fi.seconds ?? 0}s${fi.nanos ? ` ${fi.nanos}ns` : ""}` });
        } else if (ms < 50) ctx.addIssue({ code: "custom", path: at("action", "fill_interval"), message: "must be at least 50ms (Envoy's local rate limit refuses shorter intervals)" });
        const separate = (d.match ?? []).findIndex((m) => m.present_match_separate);
        if (separate >= 0 && d.action.strategy !== "global") ctx.addIssue({ code: "custom", path: at("match", separate, "present_match_separate"), message: "works with the global strategy only (a separate count per header value needs the rate limit service)" });
        if ((d.custom_key === undefined) !== (d.custom_value === undefined)) ctx.addIssue({ code: "custom", path: at(d.custom_key === undefined ? "custom_key" : "custom_value"), message: "custom_key and custom_value go together" });
        for (const field of ["quota", "condition"] as const) {
          const src = field === "quota" ? d.action.quota : d.condition;
          if (src === undefined) continue;
          let names: string[];
          try {
            names = variables(parseExpression(src));
          } catch {
            continue; // already reported by the field's own check
          }
          for (const n of names) {
            const s = n.split(".")[0]!;
            if (!n.includes(".")) ctx.addIssue({ code: "custom", path: field === "quota" ? at("action", "quota") : at("condition"), message: `{{.${n}}} must name a set and a metric, e.g. {{._base.pod}}` });
            else if (s !== BASE_SET && !sets.includes(s)) ctx.addIssue({ code: "custom", path: field === "quota" ? at("action", "quota") : at("condition"), message: `{{.${n}}} refers to set ${JSON.stringify(s)}, which is not in spec.sets (${[BASE_SET, ...sets.filter((x) => x !== BASE_SET)].join(", ")})` });
          }
        }
      }
    }
  });
export type SmartLimiterSpec = z.infer<typeof smartLimiterSpec>;

export const smartLimiterSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.literal("SmartLimiter", { error: "must be SmartLimiter" }),
  metadata: z.looseObject({
    name: dnsLabel,
    namespace: dnsLabel.default("default"),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: smartLimiterSpec,
  /** Status from an exported object is accepted and ignored: Sextant computes its own. */
  status: z.unknown().optional(),
});
/** `labels`: only those Slime carries onto its EnvoyFilters (istio.io/rev, the control plane revision). */
export type SmartLimiter = { metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec: SmartLimiterSpec };

/** The labels of a SmartLimiter Slime copies onto the EnvoyFilters it generates. */
export const CARRIED_LABELS = ["istio.io/rev"];

export interface FieldProblem {
  path: string;
  message: string;
}

/** A zod path as operators write it: spec.sets._base.descriptor[0].action.quota. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}

/** Parses one SmartLimiter from YAML (or JSON) text; problems name their fields. */
export function parseSmartLimiterYaml(text: string): { limiter: SmartLimiter; notes?: string[] } | { problems: FieldProblem[] } {
  const docs = YAML.parseAllDocuments(text);
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length) return { problems: errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "yaml", message: e.message.split("\n")[0]! })) };
  let objects: unknown[];
  try {
    // Aliases are expanded at most 100 times: a "billion laughs" document is refused, not expanded.
    objects = docs.map((d) => d.toJS({ maxAliasCount: 100 })).filter((x) => x !== null && x !== undefined);
  } catch (e) {
    return { problems: [{ path: "yaml", message: e instanceof Error ? e.message.split("\n")[0]! : String(e) }] };
  }
  if (objects.length !== 1) return { problems: [{ path: "yaml", message: objects.length ? `holds ${objects.length} documents; import one SmartLimiter at a time` : "is empty" }] };
  return parseSmartLimiter(objects[0]);
}

/** Every field name the schema knows, as Sextant spells it (Slime's YAML: mostly snake_case). */
const FIELDS = new Set([
  ...Object.keys(smartLimiterSpec.shape),
  ...Object.keys(target.shape),
  ...Object.keys(descriptor.shape),
  ...Object.keys(descriptor.shape.action.shape),
  ...Object.keys(fillInterval.shape),
  ...Object.keys(matcher.shape),
  "key",
  "value",
]);
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Slime reads its CRD through protobuf JSON, which takes a field's
 * lowerCamelCase JSON name as well as its proto name (fillInterval and
 * fill_interval, prefixMatch and prefix_match): so does Sextant, spelling
 * each as the schema does. Map keys (set names, labels) are left alone.
 * Both spellings of one field in the same object is an error, as in protobuf.
 */
function normalizeFieldNames(x: unknown, path: (string | number)[], problems: FieldProblem[], mapValues = false): unknown {
  if (Array.isArray(x)) return x.map((v, i) => normalizeFieldNames(v, [...path, i], problems));
  if (!x || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  const spelledAs: Record<string, string> = {};
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    const name = mapValues || FIELDS.has(k) ? k : FIELDS.has(snake(k)) ? snake(k) : FIELDS.has(camel(k)) ? camel(k) : k;
    if (name in out) problems.push({ path: fieldPath([...path, name]), message: `given twice (as ${spelledAs[name]} and ${k}); use one spelling` });
    spelledAs[name] = k;
    // sets: its keys are set names, its values descriptors' holders; workloadSelector: labels.
    out[name] = name === "workloadSelector" && !mapValues ? v : normalizeFieldNames(v, [...path, name], problems, name === "sets" && !mapValues);
  }
  return out;
}

export function parseSmartLimiter(obj: unknown): { limiter: SmartLimiter; notes?: string[] } | { problems: FieldProblem[] } {
  let notes: string[] | undefined;
  if (isLegacySmartLimiter(obj)) ({ obj, notes } = convertLegacySmartLimiter(obj as Record<string, unknown>));
  const spelling: FieldProblem[] = [];
  if (obj && typeof obj === "object" && "spec" in obj) obj = { ...(obj as object), spec: normalizeFieldNames((obj as { spec: unknown }).spec, ["spec"], spelling) };
  if (spelling.length) return { problems: spelling };
  const r = smartLimiterSchema.safeParse(obj);
  if (!r.success) return { problems: r.error.issues.map((i) => ({ path: fieldPath(i.path), message: i.message })) };
  notes = [...(notes ?? []), ...routeNotes(r.data.spec)];
  if (notes.length === 0) notes = undefined;
  const carried = Object.fromEntries(CARRIED_LABELS.flatMap((k) => (r.data.metadata.labels?.[k] !== undefined ? [[k, r.data.metadata.labels[k]!]] : [])));
  const metadata = { name: r.data.metadata.name, namespace: r.data.metadata.namespace, ...(Object.keys(carried).length ? { labels: carried } : {}) };
  return { limiter: { metadata, spec: r.data.spec }, ...(notes ? { notes } : {}) };
}

/** The object as Slime's YAML (export): apiVersion, kind, metadata, spec. */
export function smartLimiterObject(l: SmartLimiter): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: "SmartLimiter", metadata: { name: l.metadata.name, namespace: l.metadata.namespace, ...(l.metadata.labels ? { labels: l.metadata.labels } : {}) }, spec: l.spec };
}

/** What Slime does with target.route entries it cannot use: said, not refused (Slime accepts them). */
function routeNotes(spec: SmartLimiterSpec): string[] {
  const out: string[] = [];
  const check = (t: Target | undefined, at: string) => {
    if (!t?.route) return;
    if (t.direction !== "outbound" && !spec.gateway) out.push(`${at}.route is ignored for an inbound target, as Slime ignores it: the limit applies to the port's inbound route "default"`);
    else for (const r of t.route) if (r.split("/").length !== 2) out.push(`${at}.route entry "${r}" is not <virtual host>/<route name> and is skipped, as Slime skips it`);
  };
  check(spec.target, "spec.target");
  for (const [set, { descriptor }] of Object.entries(spec.sets)) descriptor.forEach((d, i) => check(d.target, `spec.sets.${set}.descriptor[${i}].target`));
  return out;
}
