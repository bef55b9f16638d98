import { ExpressionError, parseExpression } from "@/server/limiter/expr";
import { API_VERSION, BASE_SET, type SmartLimiterSpec, STRATEGIES, type Strategy } from "@/server/limiter/schema";

/**
 * The SmartLimiter form's state and its conversion to and from Slime's
 * object. The form covers what most limiters use; what it cannot show
 * (custom keys, headers_to_add, separate header counts) is edited as YAML.
 * Pure: tested without a browser.
 */
export const MATCH_SOURCES = ["HeadMatch", "QueryMatch", "SourceIpMatch"] as const;
export const MATCH_KINDS = ["exact_match", "prefix_match", "suffix_match", "regex_match", "present_match"] as const;

export interface MatchForm {
  source: (typeof MATCH_SOURCES)[number];
  name: string;
  kind: (typeof MATCH_KINDS)[number];
  value: string;
  invert: boolean;
}

export interface DescriptorForm {
  set: string;
  quota: string;
  seconds: string;
  strategy: Strategy;
  condition: string;
  direction: "inbound" | "outbound";
  port: string;
  /** One per line: <virtual host>/<route name>. */
  routes: string;
  /** One per line. */
  hosts: string;
  matches: MatchForm[];
}

export interface LimiterForm {
  namespace: string;
  name: string;
  gateway: boolean;
  /** k=v, comma separated. */
  workloadSelector: string;
  descriptors: DescriptorForm[];
}

export const newDescriptor = (): DescriptorForm => ({ set: BASE_SET, quota: "100", seconds: "60", strategy: "single", condition: "true", direction: "inbound", port: "9080", routes: "", hosts: "", matches: [] });
export const newMatch = (): MatchForm => ({ source: "HeadMatch", name: "", kind: "exact_match", value: "", invert: false });
export const newForm = (namespace = "default", name = ""): LimiterForm => ({ namespace, name, gateway: false, workloadSelector: "", descriptors: [newDescriptor()] });

const lines = (s: string) => s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);

/**
 * The object the form describes, and for each form descriptor where it lands
 * (set and index), so the server's field paths can be shown at the right field.
 */
export function formToObject(f: LimiterForm): { object: Record<string, unknown>; places: { set: string; index: number }[] } {
  const sets: Record<string, { descriptor: Record<string, unknown>[] }> = {};
  const places: { set: string; index: number }[] = [];
  for (const d of f.descriptors) {
    const set = d.set.trim() || BASE_SET;
    sets[set] ??= { descriptor: [] };
    places.push({ set, index: sets[set].descriptor.length });
    const port = d.port.trim() === "" ? undefined : Number(d.port);
    const target: Record<string, unknown> = {};
    if (d.direction === "outbound" || f.gateway) target.direction = "outbound";
    if (port !== undefined) target.port = port;
    if (lines(d.routes).length) target.route = lines(d.routes);
    if (lines(d.hosts).length) target.host = lines(d.hosts);
    sets[set].descriptor.push({
      action: { quota: d.quota, fill_interval: { seconds: d.seconds.trim() === "" ? 0 : Number(d.seconds) }, strategy: d.strategy },
      condition: d.condition,
      ...(d.matches.length
        ? {
            match: d.matches.map((m) => ({
              ...(m.source === "SourceIpMatch" ? {} : { name: m.name }),
              ...(m.source === "HeadMatch" ? {} : { matchSource: m.source }),
              ...(m.source === "SourceIpMatch" ? { exact_match: m.value } : m.kind === "present_match" ? { present_match: true } : { [m.kind]: m.value }),
              ...(m.invert ? { invert_match: true } : {}),
            })),
          }
        : {}),
      target,
    });
  }
  const selector = Object.fromEntries(
    lines(f.workloadSelector)
      .map((kv) => kv.split("="))
      .map(([k, ...v]) => [k!.trim(), v.join("=").trim()]),
  );
  return {
    object: {
      apiVersion: API_VERSION,
      kind: "SmartLimiter",
      metadata: { name: f.name, namespace: f.namespace },
      spec: { ...(f.gateway ? { gateway: true } : {}), ...(Object.keys(selector).length ? { workloadSelector: selector } : {}), sets },
    },
    places,
  };
}

/** A stored limiter as a form, or why the form cannot show it (then it is edited as YAML). */
export function specToForm(namespace: string, name: string, spec: SmartLimiterSpec): { form: LimiterForm } | { reason: string } {
  const descriptors: DescriptorForm[] = [];
  for (const set of Object.keys(spec.sets).sort()) {
    for (const d of spec.sets[set]!.descriptor) {
      if (d.custom_key !== undefined || d.action.headers_to_add?.length) return { reason: "it uses custom_key or headers_to_add" };
      if (d.action.fill_interval.nanos) return { reason: "its fill_interval has nanoseconds" };
      const t = d.target ?? spec.target;
      const matches: MatchForm[] = [];
      for (const m of d.match ?? []) {
        if (m.present_match_separate || m.is_exact_match_empty || m.matchSource === "JsonBodyMatch") return { reason: "it uses a match the form does not offer" };
        const kind = MATCH_KINDS.find((k) => m[k] !== undefined && m[k] !== false) ?? "exact_match";
        const source = m.matchSource === "QueryMatch" || m.useQueryMatch ? "QueryMatch" : m.matchSource === "SourceIpMatch" ? "SourceIpMatch" : "HeadMatch";
        matches.push({ source, name: m.name ?? "", kind, value: kind === "present_match" ? "" : String(m[kind] ?? ""), invert: Boolean(m.invert_match) });
      }
      descriptors.push({
        set,
        quota: d.action.quota,
        seconds: String(d.action.fill_interval.seconds ?? 0),
        strategy: d.action.strategy,
        condition: d.condition ?? "true",
        direction: t?.direction === "outbound" ? "outbound" : "inbound",
        port: t?.port ? String(t.port) : "",
        routes: (t?.route ?? []).join("\n"),
        hosts: (t?.host ?? []).join("\n"),
        matches,
      });
    }
  }
  const selector = Object.entries(spec.workloadSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
  return { form: { namespace, name, gateway: Boolean(spec.gateway), workloadSelector: selector, descriptors } };
}

/** Instant feedback on an expression while typing (the server checks everything else). */
export function expressionProblem(src: string): string | undefined {
  try {
    parseExpression(src);
    return undefined;
  } catch (e) {
    return e instanceof ExpressionError ? `position ${e.position}: ${e.reason}` : String(e);
  }
}

export { STRATEGIES };
