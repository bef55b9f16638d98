import { intentIdParams, rollbackBody, route, serveRollback } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/intents/:id/rollback: a new revision with an older revision's spec. */
export const POST = route({ name: "intents.rollback", scope: "namespaced", params: intentIdParams, body: rollbackBody }, ({ params, body }, ctx) => serveRollback(ctx, params, body));
