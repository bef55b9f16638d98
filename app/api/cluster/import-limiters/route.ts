import { route, serveImportLimiters } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/cluster/import-limiters: the SmartLimiters in the cluster become Sextant's limiters (as Slime reads them). */
export const POST = route({ name: "cluster.importLimiters" }, (_input, ctx) => serveImportLimiters(ctx));
