import type { IntentDraft } from "../intents/schemas";
import { fqdn } from "./checks";

/**
 * Adopt: a live object edited in the cluster becomes a new revision of the intent it came from,
 * when an intent can express it. Today: a VirtualService whose routing is one weighted split of
 * one service's subsets (no match, no fault, no timeout) -> a traffic-shift intent. Anything
 * else is refused with the reason, and re-apply stays the way back. Pure.
 */
export type AdoptResult = { ok: true; draft: IntentDraft } | { ok: false; reason: string };

type Json = Record<string, unknown>;

export function adoptVirtualService(vs: { metadata: { name: string; namespace: string }; spec?: Json }): AdoptResult {
  const ns = vs.metadata.namespace;
  const spec = vs.spec ?? {};
  const http = Array.isArray(spec.http) ? (spec.http as Json[]) : [];
  if (spec.tcp || spec.tls) return { ok: false, reason: "it routes TCP or TLS traffic; only an HTTP weighted split can become a traffic-shift intent" };
  if (http.length !== 1) return { ok: false, reason: `it has ${http.length} HTTP routes; only one weighted split can become a traffic-shift intent` };
  const rule = http[0]!;
  const extra = Object.keys(rule).filter((k) => k !== "route" && k !== "name");
  if (extra.length) return { ok: false, reason: `its route also sets ${extra.join(", ")}, which a traffic-shift intent cannot express` };
  const route = Array.isArray(rule.route) ? (rule.route as Json[]) : [];
  const dests = route.map((r) => ({ ...((r.destination ?? {}) as { host?: string; subset?: string; port?: unknown }), weight: typeof r.weight === "number" ? r.weight : route.length === 1 ? 100 : 0, extra: Object.keys(r).filter((k) => k !== "destination" && k !== "weight") }));
  const hosts = new Set(dests.map((d) => fqdn(String(d.host ?? ""), ns)));
  if (hosts.size !== 1) return { ok: false, reason: "its destinations are not all one service" };
  const host = [...hosts][0]!;
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\./.exec(host);
  if (!m || m[2] !== ns) return { ok: false, reason: `${host} is not a service of namespace ${ns}` };
  if (dests.some((d) => !d.subset)) return { ok: false, reason: "a destination has no subset" };
  if (dests.some((d) => d.extra.length || d.port)) return { ok: false, reason: "a destination sets headers or a port, which a traffic-shift intent cannot express" };
  const sum = dests.reduce((a, d) => a + d.weight, 0);
  if (sum !== 100) return { ok: false, reason: `its weights add up to ${sum}, not 100` };
  return { ok: true, draft: { kind: "traffic-shift", namespace: ns, target: m[1]!, spec: { weights: dests.map((d) => ({ subset: d.subset!, weight: d.weight })) } } as IntentDraft };
}
