import { ConflictError, NotFoundError } from "../errors";
import { audited } from "./audit";
import type { PrismaClient } from "./generated/client.ts";
import { Prisma } from "./generated/client.ts";

/**
 * Intents and their revisions. Every write of an intent adds a revision;
 * nothing is updated in place except the intent's pointer to its newest
 * revision, guarded by the revision number the writer read (optimistic
 * concurrency), so two operators editing at once cannot lose an update.
 */

export interface IntentTarget {
  kind: string;
  namespace: string;
  target: string;
}

export interface RevisionRecord {
  number: number;
  spec: unknown;
  rendered: unknown;
  author: string;
  message: string;
  createdAt: Date;
}

export interface IntentRecord extends IntentTarget {
  id: string;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  current: RevisionRecord;
}

export interface WriteRevision {
  spec: unknown;
  rendered?: unknown;
  author: string;
  message?: string;
}

type Db = Pick<PrismaClient, "$transaction" | "intent" | "intentRevision">;

const toJson = (v: unknown) => (v === undefined || v === null ? Prisma.DbNull : (v as Prisma.InputJsonValue));
const specJson = (v: unknown) => (v === undefined || v === null ? Prisma.JsonNull : (v as Prisma.InputJsonValue));

function toRevision(r: { number: number; spec: unknown; rendered: unknown; author: string; message: string; createdAt: Date }): RevisionRecord {
  return { number: r.number, spec: r.spec, rendered: r.rendered ?? null, author: r.author, message: r.message, createdAt: r.createdAt };
}

/** Limiters are stored as intents of kind "smart-limiter"; the audit names them as operators do. */
const noun = (kind: string) => (kind === "smart-limiter" ? "limiter" : "intent");

function describeTarget(t: IntentTarget): string {
  return `${t.kind} intent for ${t.namespace}/${t.target}`;
}

/** Creates an intent with its first revision. A second intent of the same kind on the same target is a conflict. */
export async function createIntent(db: Db, target: IntentTarget, first: WriteRevision): Promise<IntentRecord> {
  try {
    return await db.$transaction(async (tx) => {
      const intent = await tx.intent.create({ data: { ...target, revision: 1 } });
      const rev = await tx.intentRevision.create({
        data: { intentId: intent.id, number: 1, spec: specJson(first.spec), rendered: toJson(first.rendered), author: first.author, message: first.message ?? "" },
      });
      await audited(tx, { action: `${noun(target.kind)}.create`, resource: `${target.kind} ${target.namespace}/${target.target} r1`, after: first.spec, details: { message: first.message ?? "" } });
      return { ...intent, current: toRevision(rev) };
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      // Someone created it first: say which revision is in force, as a stale revise does.
      const now = await db.intent.findUnique({ where: { kind_namespace_target: target }, select: { revision: true } }).catch(() => null);
      throw new ConflictError(`the ${describeTarget(target)} already exists: this change was based on none, revision ${now?.revision ?? 1} is in force now`);
    }
    throw e;
  }
}

/**
 * Adds a revision to an intent. `expectedRevision` is the revision the writer
 * based the change on; if the intent has moved on since, nothing is written
 * and ConflictError says which revision is now current.
 */
export async function reviseIntent(db: Db, id: string, expectedRevision: number, next: WriteRevision): Promise<IntentRecord> {
  return db.$transaction(async (tx) => {
    const moved = await tx.intent.updateMany({ where: { id, revision: expectedRevision }, data: { revision: expectedRevision + 1 } });
    if (moved.count === 0) {
      const now = await tx.intent.findUnique({ where: { id }, select: { revision: true, kind: true, namespace: true, target: true } });
      if (!now) throw new NotFoundError(`intent ${id}`);
      // Named as the operator knows it (no internal id): kind and service.
      throw new ConflictError(
        `the ${now.kind} intent for ${now.namespace}/${now.target} was changed by someone else: this change was based on revision ${expectedRevision}, revision ${now.revision} is in force now`,
      );
    }
    const rev = await tx.intentRevision.create({
      data: { intentId: id, number: expectedRevision + 1, spec: specJson(next.spec), rendered: toJson(next.rendered), author: next.author, message: next.message ?? "" },
    });
    const intent = await tx.intent.findUniqueOrThrow({ where: { id } });
    const before = await tx.intentRevision.findUnique({ where: { intentId_number: { intentId: id, number: expectedRevision } }, select: { spec: true } });
    await audited(tx, { action: `${noun(intent.kind)}.revise`, resource: `${intent.kind} ${intent.namespace}/${intent.target} r${rev.number}`, before: before?.spec ?? null, after: next.spec, details: { message: next.message ?? "" } });
    return { ...intent, current: toRevision(rev) };
  });
}

export async function getIntent(db: Db, id: string): Promise<IntentRecord> {
  const intent = await db.intent.findUnique({ where: { id } });
  if (!intent) throw new NotFoundError(`intent ${id}`);
  const rev = await db.intentRevision.findUniqueOrThrow({ where: { intentId_number: { intentId: id, number: intent.revision } } });
  return { ...intent, current: toRevision(rev) };
}

export async function findIntent(db: Db, target: IntentTarget): Promise<IntentRecord | null> {
  const intent = await db.intent.findUnique({ where: { kind_namespace_target: target } });
  return intent ? getIntent(db, intent.id) : null;
}

export interface IntentFilter {
  namespace?: string;
  target?: string;
  /** One kind, or any of several. */
  kind?: string | readonly string[];
}

/** Intents with their current revision, ordered by namespace, target, kind. */
export async function listIntents(db: Db, filter: IntentFilter = {}): Promise<IntentRecord[]> {
  const intents = await db.intent.findMany({
    where: { namespace: filter.namespace, target: filter.target, kind: typeof filter.kind === "string" || filter.kind === undefined ? filter.kind : { in: [...filter.kind] } },
    orderBy: [{ namespace: "asc" }, { target: "asc" }, { kind: "asc" }],
  });
  if (intents.length === 0) return [];
  const revs = await db.intentRevision.findMany({
    where: { OR: intents.map((i) => ({ intentId: i.id, number: i.revision })) },
  });
  const byIntent = new Map(revs.map((r) => [r.intentId, r]));
  return intents.map((i) => {
    const rev = byIntent.get(i.id);
    if (!rev) throw new Error(`intent ${i.id} has no revision ${i.revision}`);
    return { ...i, current: toRevision(rev) };
  });
}

/** Newest first. */
export async function listRevisions(db: Db, id: string): Promise<RevisionRecord[]> {
  const exists = await db.intent.count({ where: { id } });
  if (!exists) throw new NotFoundError(`intent ${id}`);
  const revs = await db.intentRevision.findMany({ where: { intentId: id }, orderBy: { number: "desc" } });
  return revs.map(toRevision);
}

/** For each intent, its revisions older than `before` (its current) and at most `lookback` of them, newest first. */
export async function olderRevisions(db: Db, intents: { id: string; revision: number }[], lookback: number): Promise<Map<string, RevisionRecord[]>> {
  const wanted = intents.filter((i) => i.revision > 1);
  const out = new Map<string, RevisionRecord[]>(intents.map((i) => [i.id, []]));
  if (wanted.length === 0) return out;
  const floor = new Map(wanted.map((i) => [i.id, [Math.max(1, i.revision - lookback), i.revision] as const]));
  const revs = await db.intentRevision.findMany({ where: { intentId: { in: wanted.map((i) => i.id) } }, orderBy: [{ intentId: "asc" }, { number: "desc" }] });
  for (const r of revs) {
    const [lo, current] = floor.get(r.intentId)!;
    if (r.number >= lo && r.number < current) out.get(r.intentId)!.push(toRevision(r));
  }
  return out;
}

export async function getRevision(db: Db, id: string, number: number): Promise<RevisionRecord> {
  const rev = await db.intentRevision.findUnique({ where: { intentId_number: { intentId: id, number } } });
  if (!rev) throw new NotFoundError(`revision ${number} of intent ${id}`);
  return toRevision(rev);
}

/** Deletes an intent and its history, if it is still at the revision the caller read. */
export async function deleteIntent(db: Db, id: string, expectedRevision: number): Promise<void> {
  const gone = await db.$transaction(async (tx) => {
    const was = await tx.intent.findUnique({ where: { id } });
    const spec = was ? await tx.intentRevision.findUnique({ where: { intentId_number: { intentId: id, number: was.revision } }, select: { spec: true } }) : null;
    const n = await tx.intent.deleteMany({ where: { id, revision: expectedRevision } });
    if (n.count === 1 && was) await audited(tx, { action: `${noun(was.kind)}.delete`, resource: `${was.kind} ${was.namespace}/${was.target} r${was.revision}`, before: spec?.spec ?? null });
    return n;
  });
  if (gone.count === 1) return;
  const now = await db.intent.findUnique({ where: { id }, select: { revision: true } });
  if (!now) throw new NotFoundError(`intent ${id}`);
  throw new ConflictError(`intent ${id} is at revision ${now.revision}, not ${expectedRevision}; reload and try again`);
}
