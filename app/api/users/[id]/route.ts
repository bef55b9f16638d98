import { idParams, route, serveUpdateUser, updateUserBody } from "@/server/api";

export const dynamic = "force-dynamic";

/** PUT /api/users/:id: role, namespaces, disabled, or a new password (admin); ends the user's sessions when disabled or reset. */
export const PUT = route({ name: "users.update", access: "admin", params: idParams, body: updateUserBody, maxBodyBytes: 16384 }, ({ params, body }, ctx) => serveUpdateUser(ctx, params, body));
