import { z } from "zod";
import { objectName } from "../mesh/names";
import { NotFoundError } from "../errors";
import { APP_LABEL, selects } from "../mesh/model";
import type { RouteContext } from "../http/route";
import { type DetailSubject, detailMetrics } from "./detail";

/** Input schemas and handlers behind /api/services/:namespace/:name/metrics and /api/workloads/:namespace/:name/metrics. */
const k8sName = objectName();
export const detailParams = z.strictObject({ namespace: k8sName.max(63), name: k8sName });
const MINUTES = ["5", "10", "30", "60", "180"] as const;
export const detailQuery = z.strictObject({ minutes: z.enum(MINUTES, { error: `must be one of ${MINUTES.join(", ")}` }).default("10").transform(Number) });

export async function serveDetailMetrics(ctx: RouteContext, kind: DetailSubject["kind"], p: z.infer<typeof detailParams>, q: z.infer<typeof detailQuery>) {
  ctx.requireRead(p.namespace);
  const rt = await ctx.runtime();
  const source = rt.graph.requireSource();
  const mesh = rt.registry.snapshot();
  let apps: string[] = [];
  if (kind === "service") {
    const svc = mesh.services.find((s) => s.namespace === p.namespace && s.name === p.name);
    if (!svc) throw new NotFoundError(`service ${p.namespace}/${p.name}`);
    apps = [...new Set(mesh.endpoints.filter((e) => e.namespace === p.namespace && selects(svc.selector, e.labels)).map((e) => e.labels[APP_LABEL]).filter((a): a is string => !!a))].sort();
  } else if (!mesh.workloads.some((w) => w.namespace === p.namespace && w.name === p.name)) {
    throw new NotFoundError(`workload ${p.namespace}/${p.name}`);
  }
  return { kind, namespace: p.namespace, name: p.name, minutes: q.minutes, ...(await detailMetrics(source, { kind, namespace: p.namespace, name: p.name }, apps, q.minutes, new Date())) };
}
