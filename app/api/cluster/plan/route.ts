import { planBody, route, servePlan } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/cluster/plan: what an apply would do, object by object (server dry-run diffs). Writes nothing. */
export const POST = route({ name: "cluster.plan", access: "read", body: planBody }, ({ body }, ctx) => servePlan(ctx, body));
