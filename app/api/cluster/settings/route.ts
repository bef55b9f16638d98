import { route, serveClusterSettings, settingsBody } from "@/server/api";

export const dynamic = "force-dynamic";

/** PUT /api/cluster/settings: auto-apply on or off for one namespace (off by default). */
export const PUT = route({ name: "cluster.settings", access: "admin", body: settingsBody }, ({ body }, ctx) => serveClusterSettings(ctx, body));
