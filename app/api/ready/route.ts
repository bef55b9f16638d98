import { isDraining, route, serveReady } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/ready: readiness; 503 when the database or the registry is down (docs/API.md). */
export const GET = route({ name: "ready.get", access: "public" }, (_input, ctx) => serveReady(ctx, isDraining()));
