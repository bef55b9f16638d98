import { z } from "zod";
import { listServices, route } from "@/server/api";

export const dynamic = "force-dynamic";

const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes namespace name").max(63);

/** GET /api/services?namespace=a&namespace=b: services with their subsets and endpoints. */
export const GET = route(
  {
    name: "services.list",
    query: z.strictObject({ namespace: z.union([namespaceName, z.array(namespaceName)]).optional() }),
  },
  async ({ query }, ctx) => {
    const namespaces = ctx.readScope(query.namespace === undefined ? undefined : ([] as string[]).concat(query.namespace));
    return listServices((await ctx.runtime()).registry, { namespaces });
  },
);
