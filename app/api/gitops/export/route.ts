import { exportQuery, route, serveExport } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/gitops/export?format=json|yaml|tar.gz: the objects in force as the directory a GitOps tool reads. */
export const GET = route({ name: "gitops.export", query: exportQuery }, ({ query }, ctx) => serveExport(ctx, query));
