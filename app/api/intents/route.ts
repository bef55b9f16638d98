import { INTENT_BODY_LIMIT, applyBody, listIntentsQuery, route, serveApply, serveListIntents } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/intents: intents with their validation findings, filtered by namespace, target, kind. */
export const GET = route({ name: "intents.list", query: listIntentsQuery }, ({ query }, ctx) => serveListIntents(ctx, query));

/** PUT /api/intents: apply an intent (create with expectedRevision 0, else revise; stale revision -> 409). */
export const PUT = route({ name: "intents.apply", scope: "namespaced", body: applyBody, maxBodyBytes: INTENT_BODY_LIMIT }, ({ body }, ctx) => serveApply(ctx, body));
