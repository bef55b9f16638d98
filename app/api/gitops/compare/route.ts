import { compareBody, route, serveCompareArchive } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/gitops/compare: an uploaded .tar.gz (base64) against Sextant's state, per object. */
export const POST = route({ name: "gitops.compareArchive", access: "read", body: compareBody, maxBodyBytes: 13 * 1024 * 1024 }, ({ body }, ctx) => serveCompareArchive(ctx, body));
