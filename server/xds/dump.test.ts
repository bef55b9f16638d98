import { describe, expect, it } from "vitest";
import { intentDraftSchema } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { configTable, decodeResource } from "./dump";
import { TYPE } from "./protos";
import { SnapshotBuilder, type TypeUrl, resourcesFor } from "./snapshot";

const mesh: MeshSnapshot = {
  revision: 1,
  namespaces: ["default"],
  services: [{ namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: {}, selector: { app: "reviews" }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC", targetPortName: "grpc" }] }],
  workloads: [],
  endpoints: ["v1", "v2"].map((v, i) => ({ namespace: "default", pod: `reviews-${v}`, workload: `reviews-${v}`, address: `10.0.0.${i + 1}`, ports: [{ name: "grpc", port: 9080 }], labels: { app: "reviews", version: v }, ready: true })),
};
const snap = new SnapshotBuilder().build(mesh, [intentDraftSchema.parse({ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 80 }, { subset: "v2", weight: 20 }] } })]);
const decoded = (type: TypeUrl, client: "envoy" | "proxyless" = "envoy") => [...resourcesFor(snap, type, "productpage-v1.default", client).all.values()].map((r) => decodeResource(type, r.any.value));

/** Every Any still encoded (an object with exactly type_url and value) anywhere in x. */
function encodedAnys(x: unknown, path = ""): string[] {
  if (Array.isArray(x)) return x.flatMap((v, i) => encodedAnys(v, `${path}[${i}]`));
  if (!x || typeof x !== "object") return [];
  const o = x as Record<string, unknown>;
  if ("type_url" in o && "value" in o) return [path];
  return Object.entries(o).flatMap(([k, v]) => encodedAnys(v, `${path}.${k}`));
}

describe("a proxy's configuration as an operator reads it", () => {
  it("decodes every nested Any, as Envoy's config_dump shows them (@type and fields)", () => {
    for (const t of [TYPE.listener, TYPE.route, TYPE.cluster, TYPE.endpoint]) for (const c of ["envoy", "proxyless"] as const) expect(encodedAnys(decoded(t, c)), `${t} ${c}`).toEqual([]);
    const port = decoded(TYPE.listener).find((l) => (l as { name: string }).name === "0.0.0.0_9080") as { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] };
    const hcm = port.filter_chains[0]!.filters[0]!.typed_config;
    expect(hcm["@type"]).toBe(TYPE.hcm);
    expect(hcm).toMatchObject({ rds: { route_config_name: "9080" } });
  });

  it("has istioctl proxy-config's tables: listeners, routes, clusters, endpoints with their key fields", () => {
    expect(configTable("listener", decoded(TYPE.listener)).rows).toContainEqual(["0.0.0.0_9080", "0.0.0.0", "9080", "Route: 9080"]);
    expect(configTable("listener", decoded(TYPE.listener)).rows).toContainEqual(["virtualOutbound", "0.0.0.0", "15001", "Cluster: PassthroughCluster"]);
    const routes = configTable("route", decoded(TYPE.route));
    expect(routes.columns).toEqual(["Route config", "Virtual host", "Domains", "Match", "Destination"]);
    expect(routes.rows.find((r) => r[1]!.startsWith("reviews"))!.slice(3)).toEqual(["/*", "outbound|9080|v1|reviews.default.svc.cluster.local (80), outbound|9080|v2|reviews.default.svc.cluster.local (20)"]);
    expect(configTable("cluster", decoded(TYPE.cluster)).rows).toContainEqual(["reviews.default.svc.cluster.local", "9080", "v2", "outbound", "EDS", "LEAST_REQUEST", "10s"]);
    expect(configTable("endpoint", decoded(TYPE.endpoint)).rows).toContainEqual(["10.0.0.2:9080", "HEALTHY", "outbound|9080|v2|reviews.default.svc.cluster.local"]);
  });
});
