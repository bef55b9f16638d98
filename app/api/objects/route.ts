import { route, serveObjects } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/objects: every Istio object the current intents generate, as YAML. */
export const GET = route({ name: "objects.list" }, (_input, ctx) => serveObjects(ctx));
