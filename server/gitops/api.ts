import { z } from "zod";
import { FileReply, type RouteContext } from "../http/route";
import { tarGz } from "./archive";
import { exportTree, multiDocument } from "./layout";
import { exportObjects } from "./objects";

/** Input schemas and handlers behind /api/gitops. */
export const exportQuery = z.strictObject({
  format: z.enum(["tar.gz", "yaml", "json"], { error: "must be tar.gz, yaml or json" }).default("json"),
});

/** GET /api/gitops/export: the export tree as JSON (path -> text), one multi-document YAML, or a deterministic .tar.gz. */
export async function serveExport(ctx: RouteContext, q: z.infer<typeof exportQuery>) {
  ctx.requireAllNamespaces("the export");
  const rt = await ctx.runtime();
  const tree = exportTree(await exportObjects(rt));
  if (q.format === "tar.gz") return new FileReply(tarGz(tree), "application/gzip", "sextant-export.tar.gz");
  if (q.format === "yaml") return new FileReply(multiDocument(tree), "application/yaml; charset=utf-8", "sextant-export.yaml");
  return { files: [...tree].map(([path, text]) => ({ path, text })) };
}
