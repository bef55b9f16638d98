import { route, serveMe } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/auth/me: the sign-in mode and who is signed in (null: nobody). */
export const GET = route({ name: "auth.me", access: "public" }, (_input, ctx) => serveMe(ctx));
