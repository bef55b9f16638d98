import { INTENT_KINDS } from "../intents/schemas";
import { generatedObjects } from "../intents/api";
import { limiterRecords } from "../limiter/service";
import type { Runtime } from "../runtime";
import { listIntents } from "../store/intents";
import type { ExportObject } from "./layout";

/**
 * The objects in force with what each came from: a VirtualService or DestinationRule from its
 * service's intents (kind and revision), an EnvoyFilter from its SmartLimiter, the rate limit
 * service's ConfigMap from the limiters with global limits.
 */
export async function exportObjects(rt: Runtime): Promise<ExportObject[]> {
  const db = rt.store.get().prisma;
  const [objects, intents, limiters] = await Promise.all([generatedObjects(rt), listIntents(db, { kind: INTENT_KINDS }), limiterRecords(db)]);
  const byHost = new Map<string, string[]>();
  for (const i of intents) byHost.set(`${i.namespace}/${i.target}`, [...(byHost.get(`${i.namespace}/${i.target}`) ?? []), `intent ${i.kind} r${i.revision}`]);
  const limiterRev = new Map(limiters.map((l) => [`${l.limiter.metadata.namespace}/${l.limiter.metadata.name}`, l.revision]));
  return objects.map((o) => {
    const obj = o.object as ExportObject["object"];
    const limiter = obj.metadata.labels?.["sextant.io/smartlimiter"];
    const source =
      o.kind === "ConfigMap"
        ? "smartlimiters with global limits"
        : limiter
          ? `smartlimiter ${limiter} r${limiterRev.get(`${o.namespace}/${limiter}`) ?? "?"}`
          : (byHost.get(`${o.namespace}/${o.name}`) ?? ["intents"]).sort().join(", ");
    return { object: obj, source };
  });
}
