import { idParams, route, serveRevokeToken } from "@/server/api";

export const dynamic = "force-dynamic";

/** DELETE /api/tokens/:id: revokes the token at once (admin). */
export const DELETE = route({ name: "tokens.revoke", access: "admin", params: idParams }, ({ params }, ctx) => serveRevokeToken(ctx, params));
