import { INTENT_BODY_LIMIT, previewBody, route, servePreview } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/intents/preview: findings, the objects an intent would produce, and the diff against what is in force. Stores nothing. */
export const POST = route({ name: "intents.preview", access: "read", body: previewBody, maxBodyBytes: INTENT_BODY_LIMIT }, ({ body }, ctx) => servePreview(ctx, body));
