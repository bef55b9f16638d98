import { route, serveVerifyAudit } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/audit/verify: recomputes the audit log's hash chain; names the first entry that does not hold. */
export const GET = route({ name: "audit.verify" }, (_input, ctx) => serveVerifyAudit(ctx));
