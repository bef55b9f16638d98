import { route, serveDeleteTarget, targetParams } from "@/server/api";

export const dynamic = "force-dynamic";

/** DELETE /api/gitops/targets/:id: remove a target and its working copy (the repository is untouched). */
export const DELETE = route({ name: "gitops.deleteTarget", params: targetParams }, ({ params }, ctx) => serveDeleteTarget(ctx, params));
