import { route, serveClusterObjects } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/cluster/objects: Istio objects in the cluster, their checks, who manages them, and drift of Sextant's own. */
export const GET = route({ name: "cluster.objects" }, (_input, ctx) => serveClusterObjects(ctx));
