import { loginBody, route, serveLogin } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/auth/login: a local user's name and password -> a session cookie (throttled after failures). */
export const POST = route({ name: "auth.login", access: "public", body: loginBody, maxBodyBytes: 4096 }, ({ body }, ctx) => serveLogin(ctx, body));
