import { z } from "zod";
import type { RouteContext } from "../http/route";
import { listServices } from "./catalog";
import { dnsLabel } from "./names";

/** GET /api/services: the services of the namespaces asked for (or every readable one). */
const namespaceName = dnsLabel("must be a Kubernetes namespace name");
export const servicesQuery = z.strictObject({ namespace: z.union([namespaceName, z.array(namespaceName).max(200, "at most 200 namespaces")]).optional() });

export async function serveServices(ctx: RouteContext, q: z.infer<typeof servicesQuery>) {
  const namespaces = ctx.readScope(q.namespace === undefined ? undefined : ([] as string[]).concat(q.namespace));
  return listServices((await ctx.runtime()).registry, { namespaces });
}
