import type { StoredLimiter } from "../limiter/controller";
import { applyLimiter, exportYaml, limiterRecords, readLimiterNoting } from "../limiter/service";
import type { PrismaClient } from "../store/generated/client.ts";
import { type KubeClient, isKubeError } from "./client";
import { isDomainError } from "../errors";
import { explain } from "./explain";
import type { KubeObject } from "./reflector";

/**
 * Taking over from Slime: the SmartLimiters in the cluster become Sextant's limiters, read
 * exactly as Slime reads them (camelCase or snake_case, routes in any virtual host, istio.io/rev,
 * the v1alpha1 form converted with notes). An unchanged limiter is not revised again.
 */
export interface ImportResult {
  namespace: string;
  name: string;
  outcome: "imported" | "updated" | "unchanged" | "refused";
  revision?: number;
  notes: string[];
  error?: string;
}

export async function importSmartLimiters(client: KubeClient, db: PrismaClient, namespaces: string[] | undefined, author: string, evaluate: (l: StoredLimiter) => Promise<void>): Promise<{ results: ImportResult[]; unavailable?: string }> {
  const items: KubeObject[] = [];
  try {
    for (const ns of namespaces ?? [undefined]) {
      const list = await client.request<{ items: KubeObject[] }>({ path: `/apis/microservice.slime.io/v1alpha2${ns ? `/namespaces/${ns}` : ""}/smartlimiters` });
      items.push(...list.items);
    }
  } catch (e) {
    if (isKubeError(e)) return { results: [], unavailable: explain(e, { verb: "list", resource: "smartlimiters", group: "microservice.slime.io" }) };
    throw e;
  }
  const existing = new Map((await limiterRecords(db)).map((r) => [`${r.limiter.metadata.namespace}/${r.limiter.metadata.name}`, r]));
  const results: ImportResult[] = [];
  for (const o of items.sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1))) {
    const base = { namespace: o.metadata.namespace!, name: o.metadata.name };
    const { status: _s, ...obj } = o as Record<string, unknown>;
    let read;
    try {
      read = readLenient({ ...obj, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, ...(o.metadata.labels ? { labels: o.metadata.labels } : {}) } });
    } catch (e) {
      results.push({ ...base, outcome: "refused", notes: [], error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    const current = existing.get(`${base.namespace}/${base.name}`);
    if (current && exportYaml(current.limiter) === exportYaml(read.limiter)) {
      results.push({ ...base, outcome: "unchanged", revision: current.revision, notes: read.notes });
      continue;
    }
    try {
      const stored = await applyLimiter(db, read.limiter, { expectedRevision: current?.revision ?? 0, author, message: `imported from the cluster (SmartLimiter ${base.namespace}/${base.name})` });
      await evaluate(stored);
      results.push({ ...base, outcome: current ? "updated" : "imported", revision: stored.revision, notes: read.notes });
    } catch (e) {
      results.push({ ...base, outcome: "refused", notes: read.notes, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { results };
}

/**
 * As Slime reads its objects (protobuf JSON with unknown fields allowed): fields the SmartLimiter
 * API does not have are dropped, each with a note, instead of refusing the limiter.
 */
function readLenient(obj: Record<string, unknown>): ReturnType<typeof readLimiterNoting> {
  const dropped: string[] = [];
  const copy = structuredClone(obj);
  for (let i = 0; i < 50; i++) {
    try {
      const r = readLimiterNoting({ limiter: copy });
      return { ...r, notes: [...dropped.map((d) => `ignored the unknown field ${d}, as Slime ignores it`), ...r.notes] };
    } catch (e) {
      const issues = isDomainError(e) ? e.issues : [];
      const unknown = issues.flatMap((x) => {
        const m = /^Unrecognized keys?: (.+)$/.exec(x.message);
        return m ? [...m[1]!.matchAll(/"([^"]+)"/g)].map((k) => ({ path: x.path.replace(/^body\.limiter\.?/, ""), key: k[1]! })) : [];
      });
      if (unknown.length === 0) throw e;
      for (const u of unknown) {
        const parent = u.path.split(/\.|\[(\d+)\]/).filter(Boolean).reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), copy);
        if (!parent || typeof parent !== "object" || !(u.key in parent)) throw e;
        delete (parent as Record<string, unknown>)[u.key];
        dropped.push(`${u.path ? `${u.path}.` : ""}${u.key}`);
      }
    }
  }
  return readLimiterNoting({ limiter: copy });
}
