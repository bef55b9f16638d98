/**
 * Slime's first SmartLimiter form (its announcement, microservice.netease.com/v1alpha1) converted
 * to the v1alpha2 form Sextant reads, with a note per conversion so the operator sees what was
 * assumed. Pure.
 *
 *   spec.descriptors[]            -> spec.sets._base.descriptor[]
 *   quota "30/{pod}"              -> "30/{{._base.pod}}" (the service's quota split over its pods)
 *   condition "{cpu}>0.8"         -> "{{._base.cpu.sum}}>0.8" ({cpu} was the pods' CPU sum; {cpu_max}, {memory}, {memory_max} likewise)
 *   action.unit N (seconds)       -> action.fill_interval {seconds: N}
 *   no target                     -> target {direction: inbound} (v1alpha1 limited the service's inbound traffic)
 */
export const LEGACY_API_VERSION = "microservice.netease.com/v1alpha1";
const METRICS: Record<string, string> = { pod: "pod", cpu: "cpu.sum", cpu_max: "cpu.max", memory: "memory.sum", memory_max: "memory.max" };

type Json = Record<string, unknown>;

function template(s: unknown, notes: Set<string>, field: string): unknown {
  if (typeof s !== "string") return s;
  return s.replace(/(?<!\{)\{([A-Za-z_][A-Za-z0-9_.]*)\}(?!\})/g, (_, name: string) => {
    const to = `{{._base.${METRICS[name] ?? name}}}`;
    notes.add(`${field}: {${name}} became ${to}`);
    return to;
  });
}

export function isLegacySmartLimiter(obj: unknown): boolean {
  return !!obj && typeof obj === "object" && (obj as Json).apiVersion === LEGACY_API_VERSION && (obj as Json).kind === "SmartLimiter";
}

export function convertLegacySmartLimiter(obj: Json): { obj: Json; notes: string[] } {
  const notes = new Set<string>([`converted from Slime's ${LEGACY_API_VERSION} form to microservice.slime.io/v1alpha2`]);
  const spec = (obj.spec ?? {}) as Json;
  const descriptors = Array.isArray(spec.descriptors) ? (spec.descriptors as Json[]) : [];
  const { descriptors: _d, ...rest } = spec;
  if (descriptors.length) notes.add("spec.descriptors became spec.sets._base.descriptor");
  const converted = descriptors.map((d, i) => {
    const action = { ...((d.action ?? {}) as Json) };
    const out: Json = { ...d };
    if (action.unit !== undefined && action.fill_interval === undefined && action.fillInterval === undefined) {
      action.fill_interval = { seconds: Number(action.unit) };
      notes.add(`descriptor[${i}].action.unit ${String(action.unit)} became fill_interval {seconds: ${String(action.unit)}}`);
    }
    delete action.unit;
    action.quota = template(action.quota, notes, `descriptor[${i}].action.quota`);
    out.action = action;
    out.condition = template(d.condition ?? "true", notes, `descriptor[${i}].condition`);
    if (!d.target && !spec.target) {
      out.target = { direction: "inbound" };
      notes.add(`descriptor[${i}] had no target: it limits the service's inbound traffic (target {direction: inbound}), as v1alpha1 did`);
    }
    return out;
  });
  if ([...notes].some((n) => n.includes("cpu"))) notes.add("{cpu} in v1alpha1 was read from the metrics server; check the condition's threshold against the cpu.sum query's unit (cores)");
  const converted2: Json = { ...obj, apiVersion: "microservice.slime.io/v1alpha2", spec: { ...rest, sets: { ...((rest.sets as Json | undefined) ?? {}), _base: { descriptor: converted } } } };
  return { obj: converted2, notes: [...notes] };
}
