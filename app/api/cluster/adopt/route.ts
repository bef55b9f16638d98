import { objectRef, route, serveAdopt } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/cluster/adopt: a drifted VirtualService's live weights become a new revision of its traffic-shift intent. */
export const POST = route({ name: "cluster.adopt", scope: "namespaced", body: objectRef }, ({ body }, ctx) => serveAdopt(ctx, body));
