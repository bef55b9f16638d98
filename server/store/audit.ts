import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { unifiedDiff } from "../diff";
import { sortedKeys, toYamlDocument } from "../translate/yaml";
import type { PrismaClient } from "./generated/client.ts";
import { Prisma } from "./generated/client.ts";

/**
 * The audit log: append-only and tamper-evident. A change writes its entry in the same
 * transaction as the change itself (`audited(tx, ...)` from inside the store's transaction), so
 * there is no change without an entry and no entry without its change. Each row holds the hash of
 * the row before it and its own hash over its fields; `verifyChain` recomputes them and names
 * the first row that does not hold. Who is asking comes from the request being served (the route
 * wrapper runs the handler inside `actingAs`); work a controller does on its own is "sextant".
 */
export interface AuditActor {
  actor: string;
  requestId: string;
  source: string;
  route: string;
}

export interface AuditEntry {
  actor: string;
  action: string;
  resource?: string;
  outcome: "success" | "failure" | "denied";
  requestId?: string;
  source?: string;
  details?: unknown;
}

export interface AuditRecord {
  id: string;
  at: Date;
  actor: string;
  action: string;
  resource: string;
  outcome: AuditEntry["outcome"];
  requestId: string;
  source: string;
  details: unknown;
  prevHash: string;
  hash: string;
}

type Tx = Pick<PrismaClient, "auditEvent" | "$executeRaw">;
type Db = Pick<PrismaClient, "auditEvent">;

const ALS = Symbol.for("sextant.audit.actor");
const g = globalThis as { [ALS]?: AsyncLocalStorage<AuditActor> };
// One store for the route bundles and the runtime's bundle (Next.js bundles them apart).
const storage = (g[ALS] ??= new AsyncLocalStorage<AuditActor>());
const CONTROLLER: AuditActor = { actor: "sextant", requestId: "", source: "", route: "controller" };

export function actingAs<T>(actor: AuditActor, work: () => T): T {
  return storage.run(actor, work);
}

export function currentActor(): AuditActor {
  return storage.getStore() ?? CONTROLLER;
}

/** Serializes appends: the chain needs the previous row's hash (PostgreSQL and PGlite alike). */
const CHAIN_LOCK = 0x5e47a17;

function hashOf(r: { at: Date; actor: string; action: string; resource: string; outcome: string; requestId: string; source: string; details: unknown; prevHash: string }): string {
  const canonical = JSON.stringify(sortedKeys({ at: r.at.toISOString(), actor: r.actor, action: r.action, resource: r.resource, outcome: r.outcome, requestId: r.requestId, source: r.source, details: r.details ?? null, prevHash: r.prevHash }));
  return createHash("sha256").update(canonical).digest("hex");
}

/** Appends one entry to the chain, inside the caller's transaction. */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<AuditRecord> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`;
  const prev = await tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { hash: true } });
  const row = {
    at: new Date(),
    actor: entry.actor,
    action: entry.action,
    resource: entry.resource ?? "",
    outcome: entry.outcome,
    requestId: entry.requestId ?? "",
    source: entry.source ?? "",
    // Stored as JSON and read back the same: canonical (sorted keys) before hashing and storing.
    details: entry.details === undefined ? null : (JSON.parse(JSON.stringify(sortedKeys(entry.details))) as unknown),
    prevHash: prev?.hash ?? "",
  };
  const hash = hashOf(row);
  // Other replicas hear of the change when (and only if) this transaction commits (server/leader/changes.ts).
  await tx.$executeRaw`SELECT pg_notify('sextant_changes', ${entry.action})`;
  const created = await tx.auditEvent.create({ data: { ...row, details: row.details === null ? Prisma.DbNull : (row.details as Prisma.InputJsonValue), hash } });
  return toRecord(created);
}

export interface Change {
  /** e.g. "intents.apply", "limiters.delete", "users.create". */
  action: string;
  /** e.g. "traffic-shift default/reviews r3". */
  resource: string;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

const yamlOf = (v: unknown) => (v === undefined || v === null ? "" : toYamlDocument(v));

/** The entry for a change made by whoever is acting now, with its before/after and their diff. */
export async function audited(tx: Tx, change: Change): Promise<void> {
  const who = currentActor();
  const diff = change.before === undefined && change.after === undefined ? undefined : unifiedDiff("before", "after", yamlOf(change.before), yamlOf(change.after));
  await recordAudit(tx, {
    actor: who.actor,
    action: change.action,
    resource: change.resource,
    outcome: "success",
    requestId: who.requestId,
    source: who.source,
    details: { route: who.route, ...(change.details ?? {}), ...(change.before !== undefined ? { before: change.before } : {}), ...(change.after !== undefined ? { after: change.after } : {}), ...(diff !== undefined ? { diff } : {}) },
  });
}

export interface AuditQuery {
  resource?: string;
  actor?: string;
  action?: string;
  since?: Date;
  until?: Date;
  /** Only events older than this id (for paging backwards). */
  beforeId?: string;
  limit?: number;
}

/** Newest first. */
export async function listAudit(db: Db, q: AuditQuery = {}): Promise<AuditRecord[]> {
  const rows = await db.auditEvent.findMany({
    where: {
      resource: q.resource ? { contains: q.resource } : undefined,
      actor: q.actor,
      action: q.action ? { startsWith: q.action } : undefined,
      at: q.since || q.until ? { ...(q.since ? { gte: q.since } : {}), ...(q.until ? { lte: q.until } : {}) } : undefined,
      id: q.beforeId ? { lt: BigInt(q.beforeId) } : undefined,
    },
    orderBy: { id: "desc" },
    take: Math.min(Math.max(q.limit ?? 100, 1), 1000),
  });
  return rows.map(toRecord);
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  /** The first row that does not hold, and why. */
  broken?: { id: string; reason: string };
}

/** Walks the whole chain, oldest first, in pages. */
export async function verifyChain(db: Db): Promise<ChainCheck> {
  let prevHash = "";
  let entries = 0;
  let after: bigint | undefined;
  for (;;) {
    const rows = await db.auditEvent.findMany({ where: after === undefined ? {} : { id: { gt: after } }, orderBy: { id: "asc" }, take: 1000 });
    if (rows.length === 0) return { ok: true, entries };
    for (const r of rows) {
      const id = r.id.toString();
      if (r.prevHash !== prevHash) return { ok: false, entries, broken: { id, reason: entries === 0 && prevHash === "" ? "the first entry names a predecessor: entries before it were removed" : "it does not follow the entry before it: an entry between them was removed or changed" } };
      if (hashOf({ ...r, details: r.details ?? null }) !== r.hash) return { ok: false, entries, broken: { id, reason: "its content does not match its hash: the entry was changed" } };
      prevHash = r.hash;
      entries++;
      after = r.id;
    }
  }
}

function toRecord(r: { id: bigint; at: Date; actor: string; action: string; resource: string; outcome: string; requestId: string; source: string; details: unknown; prevHash: string; hash: string }): AuditRecord {
  return {
    id: r.id.toString(),
    at: r.at,
    actor: r.actor,
    action: r.action,
    resource: r.resource,
    outcome: r.outcome as AuditRecord["outcome"],
    requestId: r.requestId,
    source: r.source,
    details: r.details ?? null,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}
