import { route, serveExports, targetParams } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/gitops/targets/:id/exports: the export history (when, who, commit, files, result). */
export const GET = route({ name: "gitops.exports", params: targetParams }, ({ params }, ctx) => serveExports(ctx, params));
