import { route, serveCompareTarget, targetParams } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/gitops/targets/:id/compare: the branch's objects against Sextant's state, per object (objects only in Git listed). */
export const POST = route({ name: "gitops.compareTarget", access: "read", params: targetParams }, ({ params }, ctx) => serveCompareTarget(ctx, params));
