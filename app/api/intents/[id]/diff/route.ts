import { diffQuery, intentIdParams, route, serveDiff } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/intents/:id/diff?from=&to=: unified diffs of two revisions' specs and rendered objects. */
export const GET = route({ name: "intents.diff", params: intentIdParams, query: diffQuery }, ({ params, query }, ctx) => serveDiff(ctx, params, query));
