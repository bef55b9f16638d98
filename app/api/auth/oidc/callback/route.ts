import { oidcCallbackQuery, route, serveOidcCallback } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/auth/oidc/callback: the provider's answer -> a session (303 to where sign-in started), or 303 to the sign-in form with the reason. */
export const GET = route({ name: "auth.oidc.callback", access: "public", query: oidcCallbackQuery }, ({ query }, ctx) => serveOidcCallback(ctx, query));
