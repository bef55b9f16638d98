import { applyClusterBody, route, serveApplyCluster } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/cluster/apply: apply the previewed plan (by fingerprint); 409 with a new plan if the cluster moved. */
export const POST = route({ name: "cluster.apply", scope: "namespaced", body: applyClusterBody }, ({ body }, ctx) => serveApplyCluster(ctx, body));
