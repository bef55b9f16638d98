import { route, serveCreateTarget, serveTargets, targetBody } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/gitops/targets: the Git targets (secrets never returned). */
export const GET = route({ name: "gitops.targets" }, (_input, ctx) => serveTargets(ctx));

/** POST /api/gitops/targets: add a target (its secret is sealed with SEXTANT_SECRET_KEY). */
export const POST = route({ name: "gitops.createTarget", access: "admin", body: targetBody }, ({ body }, ctx) => serveCreateTarget(ctx, body));
