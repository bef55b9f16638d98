import { route, serveLogout } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/auth/logout: ends the session on the server and clears its cookies. */
export const POST = route({ name: "auth.logout", access: "read", scope: "namespaced" }, (_input, ctx) => serveLogout(ctx));
