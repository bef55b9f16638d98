import { createTokenBody, route, serveCreateToken, serveTokens } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/tokens: API tokens (never their secrets) with owner, role, namespaces, expiry and last use (admin). */
export const GET = route({ name: "tokens.list", access: "admin" }, (_input, ctx) => serveTokens(ctx));

/** POST /api/tokens: a new API token; its secret is in this answer only (admin). */
export const POST = route({ name: "tokens.create", access: "admin", body: createTokenBody, maxBodyBytes: 16384 }, ({ body }, ctx) => serveCreateToken(ctx, body));
