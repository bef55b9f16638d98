import YAML from "yaml";
import { unifiedDiff } from "../diff";
import { DomainError, InvalidError, NotFoundError } from "../errors";
import type { MeshSnapshot } from "../mesh/model";
import { subsetsOf } from "../mesh/subsets";
import type { PrismaClient } from "../store/generated/client.ts";
import { type IntentRecord, createIntent, findIntent, getIntent, getRevision, listIntents, listRevisions, reviseIntent } from "../store/intents";
import { validateAgainstCrd } from "../translate/crd";
import type { RenderedObject } from "../translate/istio";
import { type ServiceTarget, translateAll, translateHost } from "../translate/translate";
import { toYaml } from "../translate/yaml";
import type { z } from "zod";
import { INTENT_KINDS, type IntentDraft, intentDraftSchema, specSchemas } from "./schemas";
import { type Finding, type ServiceFacts, validateIntent } from "./validate";
import { smartLimiterSpec } from "../limiter/schema";

/**
 * What the intents API does: preview, apply (with optimistic concurrency),
 * history, diff, rollback, and the objects in force. It joins the store (intents
 * and revisions), the registry (services and subsets) and the pure translator.
 */
export interface IntentView {
  id: string;
  kind: IntentDraft["kind"];
  namespace: string;
  target: string;
  revision: number;
  spec: unknown;
  author: string;
  message: string;
  updatedAt: string;
  findings: Finding[];
}

export interface Preview {
  findings: Finding[];
  /** The host's objects if this intent were applied. */
  objects: RenderedObject[];
  yaml: string;
  /** The host's objects in force now. */
  currentYaml: string;
  /** Unified diff from the objects in force to the previewed ones. */
  diff: string;
}

type Db = PrismaClient;

export function serviceTargets(mesh: MeshSnapshot): ServiceTarget[] {
  return mesh.services.map((s) => ({ namespace: s.namespace, name: s.name, hostname: s.hostname, subsets: subsetsOf(s, mesh.endpoints).subsets.map((x) => x.name) }));
}

/** The proxyless gRPC clients of a service (by hostname) connected now; from the xDS server. */
export type ClientsOf = (hostname: string) => string[];
const nobody: ClientsOf = () => [];

function facts(mesh: MeshSnapshot, namespace: string, name: string, clients: ClientsOf): ServiceFacts | undefined {
  const s = mesh.services.find((x) => x.namespace === namespace && x.name === name);
  if (!s) return undefined;
  return { namespace, name, subsets: subsetsOf(s, mesh.endpoints).subsets.map((x) => x.name), protocols: s.ports.map((p) => p.protocol), proxylessClients: clients(s.hostname) };
}

/** The stored spec as a draft (stored specs passed the schema when written). */
function draftOf(r: IntentRecord): IntentDraft {
  return intentDraftSchema.parse({ kind: r.kind, namespace: r.namespace, target: r.target, spec: r.current.spec });
}

async function hostIntents(db: Db, namespace: string, target: string): Promise<IntentRecord[]> {
  return listIntents(db, { namespace, target, kind: INTENT_KINDS });
}

function hostTarget(mesh: MeshSnapshot, namespace: string, name: string): ServiceTarget {
  const t = serviceTargets(mesh).find((s) => s.namespace === namespace && s.name === name);
  // A host that left the mesh still renders (with no subsets) so its history stays readable.
  return t ?? { namespace, name, hostname: `${name}.${namespace}.svc.cluster.local`, subsets: [] };
}

/** The services the drafts are for, including hosts that left the mesh. */
export function targetsOf(mesh: MeshSnapshot, drafts: Pick<IntentDraft, "namespace" | "target">[]): ServiceTarget[] {
  const targets = serviceTargets(mesh);
  for (const d of drafts) if (!targets.some((t) => t.namespace === d.namespace && t.name === d.target)) targets.push(hostTarget(mesh, d.namespace, d.target));
  return targets;
}

/** Renders and checks against Istio's CRDs; a failure here is Sextant's bug, not the user's. */
function render(target: ServiceTarget, drafts: IntentDraft[]): RenderedObject[] {
  const objects = translateHost(target, drafts);
  for (const o of objects) {
    const problems = validateAgainstCrd(o);
    if (problems.length) throw new DomainError("internal", `generated ${o.kind} ${o.metadata.namespace}/${o.metadata.name} does not pass Istio's schema: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  }
  return objects;
}

export async function previewIntent(db: Db, mesh: MeshSnapshot, draft: IntentDraft, clients: ClientsOf = nobody): Promise<Preview> {
  const current = await hostIntents(db, draft.namespace, draft.target);
  const currentDrafts = current.map(draftOf);
  const others = currentDrafts.filter((d) => d.kind !== draft.kind);
  const findings = validateIntent(draft, facts(mesh, draft.namespace, draft.target, clients), others);
  const target = hostTarget(mesh, draft.namespace, draft.target);
  const objects = findings.some((f) => f.code === "SX101") ? [] : render(target, [...others, draft]);
  const yaml = toYaml(objects);
  const currentYaml = toYaml(render(target, currentDrafts));
  return { findings, objects, yaml, currentYaml, diff: unifiedDiff(`${draft.namespace}/${draft.target} (in force)`, `${draft.namespace}/${draft.target} (preview)`, currentYaml, yaml) };
}

export interface ApplyOptions {
  /** The revision the change is based on; 0 for a new intent. */
  expectedRevision: number;
  author: string;
  message?: string;
  clients?: ClientsOf;
}

export async function applyIntent(db: Db, mesh: MeshSnapshot, draft: IntentDraft, opts: ApplyOptions): Promise<{ intent: IntentView; preview: Preview }> {
  const preview = await previewIntent(db, mesh, draft, opts.clients);
  const errors = preview.findings.filter((f) => f.severity === "error");
  if (errors.length) {
    throw new InvalidError(
      `the intent breaks ${errors.length === 1 ? "a rule" : `${errors.length} rules`} of the mesh: ${errors.map((e) => `${e.code} ${e.message}`).join("; ")}`,
      errors.map((e) => ({ path: `body.intent.${e.path}`, message: e.message, code: e.code })),
    );
  }
  // The rendered objects are kept as their exact YAML text: a JSON column (jsonb) reorders keys,
  // and history must show the bytes that were generated.
  const write = { spec: draft.spec, rendered: preview.yaml, author: opts.author, message: opts.message ?? "" };
  const target = { kind: draft.kind, namespace: draft.namespace, target: draft.target };
  let record: IntentRecord;
  if (opts.expectedRevision === 0) {
    record = await createIntent(db, target, write);
  } else {
    const existing = await findIntent(db, target);
    if (!existing) throw new NotFoundError(`${draft.kind} intent for ${draft.namespace}/${draft.target}`);
    record = await reviseIntent(db, existing.id, opts.expectedRevision, write);
  }
  return { intent: view(record, preview.findings), preview };
}

export async function listIntentViews(db: Db, mesh: MeshSnapshot, filter: { namespace?: string; target?: string; kind?: string }, clients: ClientsOf = nobody): Promise<IntentView[]> {
  const all = await listIntents(db, { ...filter, kind: filter.kind ?? INTENT_KINDS });
  const byHost = new Map<string, IntentDraft[]>();
  for (const r of await listIntents(db, { namespace: filter.namespace, target: filter.target, kind: INTENT_KINDS })) {
    const key = `${r.namespace}/${r.target}`;
    byHost.set(key, [...(byHost.get(key) ?? []), draftOf(r)]);
  }
  return all.map((r) => {
    const draft = draftOf(r);
    const others = (byHost.get(`${r.namespace}/${r.target}`) ?? []).filter((d) => d.kind !== r.kind);
    return view(r, validateIntent(draft, facts(mesh, r.namespace, r.target, clients), others));
  });
}

function view(r: IntentRecord, findings: Finding[]): IntentView {
  return {
    id: r.id,
    kind: r.kind as IntentDraft["kind"],
    namespace: r.namespace,
    target: r.target,
    revision: r.revision,
    spec: canonicalSpec(r.kind, r.current.spec),
    author: r.current.author,
    message: r.current.message,
    updatedAt: r.updatedAt.toISOString(),
    findings,
  };
}

/** Every kind the intents store holds, and the schema of its spec (limiters are stored as intents too). */
const STORED_SPECS: Record<string, z.ZodType> = { ...specSchemas, "smart-limiter": smartLimiterSpec };

/** A stored spec in its schema's key order (the database does not keep key order). */
function canonicalSpec(kind: string, spec: unknown): unknown {
  const parsed = STORED_SPECS[kind]?.safeParse(spec);
  return parsed?.success ? parsed.data : spec;
}

export async function intentHistory(db: Db, id: string) {
  const intent = await getIntent(db, id);
  const revisions = await listRevisions(db, id);
  return {
    intent: { id: intent.id, kind: intent.kind, namespace: intent.namespace, target: intent.target, revision: intent.revision },
    revisions: revisions.map((r) => ({
      number: r.number,
      author: r.author,
      message: r.message,
      createdAt: r.createdAt.toISOString(),
      spec: canonicalSpec(intent.kind, r.spec),
      yaml: typeof r.rendered === "string" ? r.rendered : "",
    })),
  };
}

export async function diffRevisions(db: Db, id: string, from: number, to: number) {
  const intent = await getIntent(db, id);
  const [a, b] = await Promise.all([getRevision(db, id, from), getRevision(db, id, to)]);
  const specYaml = (s: unknown) => YAML.stringify(canonicalSpec(intent.kind, s), { lineWidth: 0 });
  const renderedYaml = (r: unknown) => (typeof r === "string" ? r : "");
  return {
    from,
    to,
    intentDiff: unifiedDiff(`revision ${from}`, `revision ${to}`, specYaml(a.spec), specYaml(b.spec)),
    renderedDiff: unifiedDiff(`revision ${from}`, `revision ${to}`, renderedYaml(a.rendered), renderedYaml(b.rendered)),
  };
}

/** Rolls back to an older revision: a new revision with that revision's spec (history only grows). */
export async function rollbackIntent(db: Db, mesh: MeshSnapshot, id: string, toRevision: number, opts: ApplyOptions) {
  const intent = await getIntent(db, id);
  // A SmartLimiter is stored as an intent too, but is rolled back through its own API (its spec is not an intent's).
  if (!(INTENT_KINDS as readonly string[]).includes(intent.kind)) throw new InvalidError(`${id} is a ${intent.kind}, not a routing or resilience intent: roll it back on the Rate limits page (PUT /api/limiters with the revision's YAML)`);
  const old = await getRevision(db, id, toRevision);
  const parsed = intentDraftSchema.safeParse({ kind: intent.kind, namespace: intent.namespace, target: intent.target, spec: old.spec });
  if (!parsed.success) throw new InvalidError(`revision ${toRevision} of this intent no longer passes the intent schema, so it cannot be restored: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const draft = parsed.data;
  return applyIntent(db, mesh, draft, { ...opts, message: opts.message || `roll back to revision ${toRevision}` });
}

/** Every object the current intents generate, for the Objects page and exports. */
export async function objectsInForce(db: Db, mesh: MeshSnapshot): Promise<{ objects: { kind: string; namespace: string; name: string; yaml: string; object: unknown }[]; yaml: string }> {
  const drafts = (await listIntents(db, { kind: INTENT_KINDS })).map(draftOf);
  const objects = translateAll(targetsOf(mesh, drafts), drafts);
  return {
    objects: objects.map((o) => ({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, yaml: toYaml([o]), object: o })),
    yaml: toYaml(objects),
  };
}
