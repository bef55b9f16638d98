import { unifiedDiff } from "../diff";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import type { MeshSnapshot } from "../mesh/model";
import type { PrismaClient } from "../store/generated/client.ts";
import { createIntent, deleteIntent, findIntent, getIntent, listIntents, reviseIntent } from "../store/intents";
import { programSizeProblem, re2Problem } from "../intents/re2";
import { validateAgainstCrd } from "../translate/crd";
import { toYaml } from "../translate/yaml";
import { type LimiterStatus, type StoredLimiter, placementOf, unplacedProblem } from "./controller";
import { type RateLimitService, envoyFilters } from "./envoyfilter";
import { evaluateLimiter } from "./evaluate";
import { type FieldProblem, type SmartLimiter, parseSmartLimiter, parseSmartLimiterYaml, smartLimiterObject } from "./schema";

/**
 * SmartLimiters in the store: kept as intents of kind "smart-limiter" (target
 * = the limiter's name), so they have the same revisions, history, diff and
 * optimistic concurrency as every other intent. Each revision keeps the
 * limiter's exact YAML as written back out (export).
 */
export const LIMITER_KIND = "smart-limiter";

type Db = PrismaClient;

/** Stored with the spec: the labels Slime carries onto EnvoyFilters (istio.io/rev), under a key no SmartLimiter spec has. */
const LABELS_KEY = "sextant.io/metadata-labels";

export function limiterOf(r: { namespace: string; target: string; current: { spec: unknown } }): SmartLimiter | undefined {
  const { [LABELS_KEY]: labels, ...spec } = (r.current.spec ?? {}) as Record<string, unknown>;
  const parsed = parseSmartLimiter({ apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: r.target, namespace: r.namespace, ...(labels ? { labels } : {}) }, spec });
  return "limiter" in parsed ? parsed.limiter : undefined;
}

export async function storedLimiters(db: Db): Promise<StoredLimiter[]> {
  return (await limiterRecords(db)).map(({ id, revision, limiter }) => ({ id, revision, limiter }));
}

export function exportYaml(l: SmartLimiter): string {
  return toYaml([smartLimiterObject(l)]);
}

/** From the API: YAML text (import) or an object (the form); problems keep their field paths under the body field. */
export function readLimiter(input: { yaml?: string; limiter?: unknown }): SmartLimiter {
  return readLimiterNoting(input).limiter;
}

/** The limiter, and notes on what was converted (Slime's v1alpha1 form). */
export function readLimiterNoting(input: { yaml?: string; limiter?: unknown }): { limiter: SmartLimiter; notes: string[] } {
  const r = input.yaml !== undefined ? parseSmartLimiterYaml(input.yaml) : parseSmartLimiter(input.limiter);
  if ("problems" in r) throw invalid(r.problems, input.yaml !== undefined ? "yaml" : "limiter");
  // Slime's CRD too (ours is stricter; this catches any drift between the two).
  const crd = validateAgainstCrd(smartLimiterObject(r.limiter) as { apiVersion: string; kind: string; spec: unknown });
  if (crd.length) throw invalid(crd.map((p) => ({ path: `spec.${p.path}`, message: p.message })), input.yaml !== undefined ? "yaml" : "limiter");
  // Envoy reads regex_match with RE2: one it refuses breaks the sidecar's whole inbound route configuration.
  const re2 = Object.entries(r.limiter.spec.sets).flatMap(([set, { descriptor }]) =>
    descriptor.flatMap((d, i) => (d.match ?? []).flatMap((m, j) => {
      if (m.regex_match === undefined) return [];
      const path = `spec.sets.${set}.descriptor[${i}].match[${j}].regex_match`;
      const problem = re2Problem(m.regex_match);
      if (problem) return [{ path, message: `not accepted by RE2, the engine Envoy uses: ${problem}` }];
      const tooLarge = programSizeProblem(m.regex_match);
      return tooLarge ? [{ path, message: `too large for Envoy: ${tooLarge}` }] : [];
    })),
  );
  if (re2.length) throw invalid(re2, input.yaml !== undefined ? "yaml" : "limiter");
  return { limiter: r.limiter, notes: r.notes ?? [] };
}

function invalid(problems: FieldProblem[], field: string): InvalidError {
  return new InvalidError(`the SmartLimiter is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems.map((p) => ({ path: `body.${field}${p.path.startsWith("line ") || p.path === "yaml" ? "" : `.${p.path}`}`, message: p.path.startsWith("line ") ? `${p.path}: ${p.message}` : p.message })));
}

export interface LimiterPreview {
  limiter: SmartLimiter;
  yaml: string;
  /** The EnvoyFilters it would generate with the current metric values. */
  envoyFiltersYaml: string;
  /** Why nothing would be generated, and metrics that could not be read. */
  problems: string[];
  /** From what is in force for this limiter now to the preview. */
  diff: string;
  evaluation: ReturnType<typeof evaluateLimiter>;
  /** What was converted or is ignored as Slime would (its v1alpha1 form, route entries it skips). */
  notes?: string[];
}

/** What applying would generate, evaluated with the metric values read now (`metrics`). */
export function previewLimiter(l: SmartLimiter, mesh: MeshSnapshot, current: LimiterStatus | undefined, rls: RateLimitService, metrics: { values: Record<string, number>; problems: string[] }): LimiterPreview {
  const place = placementOf(l, mesh);
  const evaluation = evaluateLimiter(l, metrics.values);
  const placed = Object.keys(place.selector).length > 0;
  const yaml = placed ? toYaml(envoyFilters(l, evaluation, place, rls)) : "";
  const before = current?.yaml ?? "";
  const key = `${l.metadata.namespace}/${l.metadata.name}`;
  return { limiter: l, yaml: exportYaml(l), envoyFiltersYaml: yaml, problems: [...(placed ? [] : [unplacedProblem(l)]), ...metrics.problems], diff: unifiedDiff(`${key} (in force)`, `${key} (preview)`, before, yaml), evaluation };
}

export async function applyLimiter(db: Db, l: SmartLimiter, opts: { expectedRevision: number; author: string; message?: string }): Promise<StoredLimiter> {
  const target = { kind: LIMITER_KIND, namespace: l.metadata.namespace, target: l.metadata.name };
  const write = { spec: l.metadata.labels ? { ...l.spec, [LABELS_KEY]: l.metadata.labels } : l.spec, rendered: exportYaml(l), author: opts.author, message: opts.message ?? "" };
  if (opts.expectedRevision === 0) {
    const r = await createIntent(db, target, write);
    return { id: r.id, revision: r.revision, limiter: l };
  }
  const existing = await findIntent(db, target);
  if (!existing) throw new NotFoundError(`SmartLimiter ${l.metadata.namespace}/${l.metadata.name}`);
  const r = await reviseIntent(db, existing.id, opts.expectedRevision, write);
  return { id: r.id, revision: r.revision, limiter: l };
}

export async function getLimiter(db: Db, id: string): Promise<StoredLimiter & { author: string; updatedAt: string }> {
  const r = await getIntent(db, id);
  const limiter = r.kind === LIMITER_KIND ? limiterOf(r) : undefined;
  if (!limiter) throw new NotFoundError(`SmartLimiter ${id}`);
  return { id: r.id, revision: r.revision, limiter, author: r.current.author, updatedAt: r.updatedAt.toISOString() };
}

export async function removeLimiter(db: Db, id: string, expectedRevision: number): Promise<void> {
  await getLimiter(db, id);
  try {
    await deleteIntent(db, id, expectedRevision);
  } catch (e) {
    // It was there a moment ago: another request deleted it in between. The loser of a race gets 409, as in every other race.
    if (e instanceof NotFoundError) throw new ConflictError(`SmartLimiter ${id} was deleted by another request meanwhile`);
    throw e;
  }
}

export async function limiterRecords(db: Db) {
  return (await listIntents(db, { kind: LIMITER_KIND })).flatMap((r) => {
    const limiter = limiterOf(r);
    return limiter ? [{ id: r.id, revision: r.revision, limiter, author: r.current.author, message: r.current.message, updatedAt: r.updatedAt.toISOString() }] : [];
  });
}
