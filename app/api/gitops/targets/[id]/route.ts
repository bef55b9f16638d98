import { autoExportBody, route, serveDeleteTarget, serveUpdateTarget, targetParams } from "@/server/api";

export const dynamic = "force-dynamic";

/** PUT /api/gitops/targets/:id: auto-export on or off (off by default). */
export const PUT = route({ name: "gitops.updateTarget", access: "admin", params: targetParams, body: autoExportBody }, ({ params, body }, ctx) => serveUpdateTarget(ctx, params, body));

/** DELETE /api/gitops/targets/:id: remove a target and its working copy (the repository is untouched). */
export const DELETE = route({ name: "gitops.deleteTarget", access: "admin", params: targetParams }, ({ params }, ctx) => serveDeleteTarget(ctx, params));
