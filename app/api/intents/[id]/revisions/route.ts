import { intentIdParams, route, serveHistory } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/intents/:id/revisions: the intent's history, newest first. */
export const GET = route({ name: "intents.history", params: intentIdParams }, ({ params }, ctx) => serveHistory(ctx, params));
