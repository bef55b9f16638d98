import { commitBody, route, serveCommitExport, targetParams } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/gitops/targets/:id/commit: commit and push the export the preview showed (by its base commit; 409 with a new preview if the branch moved). */
export const POST = route({ name: "gitops.commit", params: targetParams, body: commitBody }, ({ params, body }, ctx) => serveCommitExport(ctx, params, body));
