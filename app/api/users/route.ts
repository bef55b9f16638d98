import { createUserBody, route, serveCreateUser, serveUsers } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/users: local users (admin). */
export const GET = route({ name: "users.list", access: "admin" }, (_input, ctx) => serveUsers(ctx));

/** POST /api/users: a new local user with a role and optional namespaces (admin). */
export const POST = route({ name: "users.create", access: "admin", body: createUserBody, maxBodyBytes: 16384 }, ({ body }, ctx) => serveCreateUser(ctx, body));
