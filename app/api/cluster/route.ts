import { route, serveCluster } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/cluster: the configured Kubernetes cluster, its informers' states and the last apply. */
export const GET = route({ name: "cluster.get" }, (_input, ctx) => serveCluster(ctx));
