import { route, serveServices, servicesQuery } from "@/server/api";

export const dynamic = "force-dynamic";

/** GET /api/services?namespace=a&namespace=b: services with their subsets and endpoints. */
export const GET = route({ name: "services.list", query: servicesQuery }, ({ query }, ctx) => serveServices(ctx, query));
