import { route, servePreviewExport, targetParams } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/gitops/targets/:id/preview: the branch's files against the export, per file; writes nothing. */
export const POST = route({ name: "gitops.preview", access: "read", params: targetParams }, ({ params }, ctx) => servePreviewExport(ctx, params));
