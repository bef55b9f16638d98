import { generatedObjects } from "../intents/api";
import { INTENT_KINDS, type IntentDraft, intentDraftSchema } from "../intents/schemas";
import { targetsOf } from "../intents/service";
import { limiterRecords } from "../limiter/service";
import type { Runtime } from "../runtime";
import { type IntentRecord, listIntents, olderRevisions } from "../store/intents";
import type { ExportObject } from "./layout";
import { type IntentHistory, MAX_LOOKBACK, provenance } from "./provenance";

/**
 * The objects in force with what each came from: a VirtualService or DestinationRule from the
 * intents that shape it, each with the revision since which it has produced this object (see
 * provenance.ts), an EnvoyFilter from its SmartLimiter, the rate limit service's ConfigMap from
 * the limiters with global limits.
 */
export async function exportObjects(rt: Runtime): Promise<ExportObject[]> {
  const db = rt.store.get().prisma;
  const [objects, intents, limiters] = await Promise.all([generatedObjects(rt), listIntents(db, { kind: INTENT_KINDS }), limiterRecords(db)]);
  const byHost = await intentSources(rt, intents);
  const limiterRev = new Map(limiters.map((l) => [`${l.limiter.metadata.namespace}/${l.limiter.metadata.name}`, l.revision]));
  return objects.map((o) => {
    const obj = o.object as ExportObject["object"];
    const limiter = obj.metadata.labels?.["sextant.io/smartlimiter"];
    const source =
      o.kind === "ConfigMap"
        ? "smartlimiters with global limits"
        : limiter
          ? `smartlimiter ${limiter} r${limiterRev.get(`${o.namespace}/${limiter}`) ?? "?"}`
          : (byHost.get(`${o.namespace}/${o.kind}/${o.name}`) ?? "intents");
    return { object: obj, source };
  });
}

const parse = (r: IntentRecord, spec: unknown): IntentDraft | null => {
  const d = intentDraftSchema.safeParse({ kind: r.kind, namespace: r.namespace, target: r.target, spec });
  return d.success ? d.data : null;
};

/** "namespace/Kind/name" -> source, for every object the intents generate. */
async function intentSources(rt: Runtime, intents: IntentRecord[]): Promise<Map<string, string>> {
  const older = await olderRevisions(rt.store.get().prisma, intents, MAX_LOOKBACK);
  const byHost = new Map<string, IntentHistory[]>();
  for (const i of intents) {
    const draft = parse(i, i.current.spec);
    if (!draft) continue;
    const h = { kind: i.kind, revision: i.revision, draft, older: (older.get(i.id) ?? []).map((r) => ({ number: r.number, draft: parse(i, r.spec) })) };
    byHost.set(`${i.namespace}/${i.target}`, [...(byHost.get(`${i.namespace}/${i.target}`) ?? []), h]);
  }
  const targets = targetsOf(rt.registry.snapshot(), [...byHost.values()].flatMap((h) => h.map((i) => i.draft)));
  const out = new Map<string, string>();
  for (const [host, histories] of byHost) {
    const target = targets.find((t) => `${t.namespace}/${t.name}` === host)!;
    for (const [obj, source] of provenance(target, histories)) out.set(`${target.namespace}/${obj}`, source);
  }
  return out;
}
