import { auditQuery, route, serveAudit } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/audit: the audit log, newest first, filtered by actor, resource, action and time; format=jsonl downloads it. */
export const GET = route({ name: "audit.list", query: auditQuery }, ({ query }, ctx) => serveAudit(ctx, query));
