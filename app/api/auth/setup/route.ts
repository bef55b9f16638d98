import { route, serveSetup, setupBody } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/auth/setup: the first admin, with the one-time secret from the log's setup link. */
export const POST = route({ name: "auth.setup", access: "public", body: setupBody, maxBodyBytes: 4096 }, ({ body }, ctx) => serveSetup(ctx, body));
