import { oidcLoginQuery, route, serveOidcLogin } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/auth/oidc/login?return=/path: to the OpenID Provider (authorization code flow with PKCE). */
export const GET = route({ name: "auth.oidc.login", access: "public", query: oidcLoginQuery }, ({ query }, ctx) => serveOidcLogin(ctx, query));
