import type { PrismaClient } from "./generated/client.ts";
import { Prisma } from "./generated/client.ts";

/**
 * The audit log: an append-only record of who did what. The route-handler
 * wrapper writes one event per state-changing request once sign-in exists;
 * controllers write their own.
 */
export interface AuditEntry {
  actor: string;
  action: string;
  resource?: string;
  outcome: "success" | "failure" | "denied";
  requestId?: string;
  details?: unknown;
}

export interface AuditRecord extends Required<Omit<AuditEntry, "details">> {
  id: string;
  at: Date;
  details: unknown;
}

type Db = Pick<PrismaClient, "auditEvent">;

export async function recordAudit(db: Db, entry: AuditEntry): Promise<AuditRecord> {
  const row = await db.auditEvent.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      resource: entry.resource ?? "",
      outcome: entry.outcome,
      requestId: entry.requestId ?? "",
      details: entry.details === undefined ? Prisma.DbNull : (entry.details as Prisma.InputJsonValue),
    },
  });
  return toRecord(row);
}

export interface AuditQuery {
  resource?: string;
  actor?: string;
  /** Only events older than this id (for paging backwards). */
  beforeId?: string;
  limit?: number;
}

/** Newest first. */
export async function listAudit(db: Db, q: AuditQuery = {}): Promise<AuditRecord[]> {
  const rows = await db.auditEvent.findMany({
    where: {
      resource: q.resource,
      actor: q.actor,
      id: q.beforeId ? { lt: BigInt(q.beforeId) } : undefined,
    },
    orderBy: { id: "desc" },
    take: Math.min(Math.max(q.limit ?? 100, 1), 1000),
  });
  return rows.map(toRecord);
}

function toRecord(r: { id: bigint; at: Date; actor: string; action: string; resource: string; outcome: string; requestId: string; details: unknown }): AuditRecord {
  return {
    id: r.id.toString(),
    at: r.at,
    actor: r.actor,
    action: r.action,
    resource: r.resource,
    outcome: r.outcome as AuditRecord["outcome"],
    requestId: r.requestId,
    details: r.details ?? null,
  };
}
