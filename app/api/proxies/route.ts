import { route, serveProxies } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/proxies: connected proxies and, per resource type, SYNCED / STALE / NACKED / NOT SENT. */
export const GET = route({ name: "proxies.list" }, (_input, ctx) => serveProxies(ctx));
