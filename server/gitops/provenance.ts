import type { IntentDraft } from "../intents/schemas";
import type { RenderedObject } from "../translate/istio";
import { type ServiceTarget, translateHost } from "../translate/translate";
import { sortedKeys } from "../translate/yaml";

/**
 * Which intent revisions an object of one service came from, for its `sextant.io/source`
 * annotation. An object names only the intents that shape it (a fault changes the
 * VirtualService, not the DestinationRule), and for each the oldest revision since which that
 * intent has produced this same object: a weight change makes a new revision of the
 * traffic-shift intent but leaves its DestinationRule's bytes, and so its Git file, untouched.
 * Pure: the history comes in, a map from "Kind/name" to the source comes out.
 */
export interface IntentHistory {
  kind: string;
  /** The revision in force and its draft. */
  revision: number;
  draft: IntentDraft;
  /** Older revisions, newest first; null where a revision's spec no longer parses. */
  older: { number: number; draft: IntentDraft | null }[];
}

/** How far back the search looks; an object unchanged for longer names the oldest revision looked at. */
export const MAX_LOOKBACK = 50;

const key = (o: RenderedObject) => `${o.kind}/${o.metadata.name}`;
const bytes = (o: RenderedObject | undefined) => (o ? JSON.stringify(sortedKeys(o)) : "");

function render(target: ServiceTarget, drafts: IntentDraft[]): Map<string, string> {
  return new Map(translateHost(target, drafts).map((o) => [key(o), bytes(o)]));
}

export function provenance(target: ServiceTarget, intents: IntentHistory[]): Map<string, string> {
  const current = render(target, intents.map((i) => i.draft));
  const parts = new Map<string, string[]>([...current.keys()].map((k) => [k, []]));
  for (const intent of intents) {
    const others = intents.filter((i) => i !== intent).map((i) => i.draft);
    const without = render(target, others);
    // Objects this intent shapes: they differ (or vanish) without it.
    const shaped = [...current.keys()].filter((k) => without.get(k) !== current.get(k));
    const since = new Map(shaped.map((k) => [k, intent.revision]));
    let open = new Set(shaped);
    for (const old of intent.older.slice(0, MAX_LOOKBACK)) {
      if (open.size === 0) break;
      const then = old.draft ? render(target, [...others, old.draft]) : new Map<string, string>();
      open = new Set([...open].filter((k) => then.get(k) === current.get(k)));
      for (const k of open) since.set(k, old.number);
    }
    for (const [k, r] of since) parts.get(k)!.push(`intent ${intent.kind} r${r}`);
  }
  // An object no single intent explains (several only together) names them all as in force.
  const all = intents.map((i) => `intent ${i.kind} r${i.revision}`);
  return new Map([...parts].map(([k, p]) => [k, (p.length ? p : all).sort().join(", ")]));
}
