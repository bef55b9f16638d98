import { describe, expect, it } from "vitest";
import { intentDraftSchema } from "../intents/schemas";
import { MemoryRegistry } from "../mesh/registry";
import { quietLog } from "../testing/databases";
import { XdsController } from "./controller";
import { SnapshotPublisher } from "./publisher";
import type { Snapshot } from "./snapshot";

/** The controller feeding a real SnapshotPublisher whose server records what it is given. */
function recorder() {
  const published: Snapshot[] = [];
  const publisher = new SnapshotPublisher((s) => published.push(s));
  return { published, server: (input: Parameters<SnapshotPublisher["build"]>[0]) => publisher.build(input) };
}
const svc = { namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: {}, selector: { app: "reviews" }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC" as const, targetPortName: "grpc" }] };

describe("the xDS snapshot controller", () => {
  it("turns a burst of changes into one push, after the debounce", async () => {
    const registry = new MemoryRegistry();
    const { published, server } = recorder();
    const c = new XdsController({ registry, publish: server, intents: async () => [], debounceMs: 50, log: quietLog });
    await c.start();
    expect(published).toHaveLength(1);
    for (let i = 0; i < 10; i++) registry.update((w) => w.upsertService({ ...svc, labels: { n: String(i) } }));
    await new Promise((r) => setTimeout(r, 200));
    await c.rebuild(); // an explicit rebuild after the burst: 1 (start) + 1 (burst) + 1 (this)
    expect(published).toHaveLength(3);
    c.stop();
  });

  it("keeps a route to a subset with no pods left as a cluster without endpoints, not an inconsistent snapshot", async () => {
    const registry = new MemoryRegistry();
    registry.update((w) => w.upsertService(svc));
    const { published, server } = recorder();
    const intents = [intentDraftSchema.parse({ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 100 }] } })];
    const c = new XdsController({ registry, publish: server, intents: async () => intents, debounceMs: 10, log: quietLog });
    await c.start();
    expect(published).toHaveLength(1);
    expect([...published[0]!.resources["type.googleapis.com/envoy.config.cluster.v3.Cluster"].keys()]).toContain("outbound|9080|v1|reviews.default.svc.cluster.local");
  });

  it("keeps serving the last good snapshot when a rebuild fails", async () => {
    const registry = new MemoryRegistry();
    const { published, server } = recorder();
    let fail = false;
    const c = new XdsController({ registry, publish: server, intents: async () => { if (fail) throw new Error("database is unavailable: gone"); return []; }, debounceMs: 10, log: quietLog });
    await c.start();
    fail = true;
    await c.rebuild();
    expect(published).toHaveLength(1);
    expect(c.lastBuild?.error).toContain("database is unavailable");
  });
});

describe("snapshot consistency", () => {
  it("names every route that points at a missing cluster, and every EDS cluster without an assignment", async () => {
    const { consistencyProblems } = await import("./snapshot");
    const problems = consistencyProblems({
      listeners: { "a:1": { name: "a:1", api_listener: { routeConfigName: "2" } } },
      routes: { "1": { name: "1", virtual_hosts: [{ name: "a", routes: [{ route: { weighted_clusters: { clusters: [{ name: "c1" }, { name: "c2" }] } } }] }] } },
      clusters: { c1: { name: "c1", type: "EDS" }, local: { name: "local", type: "STATIC" } },
      endpoints: {},
    });
    expect(problems).toEqual([
      "listener a:1 names route configuration 2, which does not exist",
      "route in a names cluster c2, which does not exist",
      "EDS cluster c1 has no load assignment",
    ]);
  });
});

describe("the incremental snapshot builder", () => {
  it("gives the same bytes and versions as a build from scratch, reusing unchanged services", async () => {
    const { SnapshotBuilder, buildSnapshot } = await import("./snapshot");
    const { buildResources } = await import("./resources");
    const mesh = {
      revision: 1,
      namespaces: ["default"],
      services: ["a", "b"].map((n) => ({ ...svc, name: n, hostname: `${n}.default.svc.cluster.local`, selector: { app: n } })),
      workloads: [],
      endpoints: ["a", "b"].flatMap((n) => ["v1", "v2"].map((v, i) => ({ namespace: "default", pod: `${n}-${v}`, workload: `${n}-${v}`, address: `10.0.0.${i}`, ports: [{ name: "grpc", port: 80 }], labels: { app: n, version: v }, ready: true }))),
    };
    const shiftOf = (target: string, v1: number) => intentDraftSchema.parse({ kind: "traffic-shift", namespace: "default", target, spec: { weights: [{ subset: "v1", weight: v1 }, { subset: "v2", weight: 100 - v1 }] } });
    const route = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" as const;
    const b = new SnapshotBuilder();
    const first = b.build(mesh, [shiftOf("a", 80), shiftOf("b", 80)]);
    const second = b.build(mesh, [shiftOf("a", 50), shiftOf("b", 80)]);
    const scratch = buildSnapshot(buildResources(mesh, [shiftOf("a", 50), shiftOf("b", 80)]));
    // Versions change exactly where content changed: routes (the weights), not clusters or endpoints.
    expect(second.versions[route]).not.toBe(first.versions[route]);
    expect(second.versions["type.googleapis.com/envoy.config.cluster.v3.Cluster"]).toBe(first.versions["type.googleapis.com/envoy.config.cluster.v3.Cluster"]);
    expect(second.versions["type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"]).toBe(first.versions["type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"]);
    for (const [type, m] of Object.entries(second.resources)) {
      for (const [name, r] of m) expect(r.any.value.equals(scratch.resources[type as keyof typeof scratch.resources].get(name)!.any.value), name).toBe(true);
    }
    // b's route was reused as the very same encoded object; a's was rebuilt.
    expect(second.resources[route].get("b.default.svc.cluster.local:9080")).toBe(first.resources[route].get("b.default.svc.cluster.local:9080"));
    expect(second.resources[route].get("a.default.svc.cluster.local:9080")!.hash).not.toBe(first.resources[route].get("a.default.svc.cluster.local:9080")!.hash);
    expect([...second.resources[route].keys()].sort()).toEqual([...scratch.resources[route].keys()].sort());
  });

  it("keeps each sidecar's own part equal to a build from scratch as services, pods and rate limits change", async () => {
    const { SnapshotBuilder } = await import("./snapshot");
    const pod = (n: string, v: string, app = n) => ({ namespace: "default", pod: `${n}-${v}`, workload: `${n}-${v}`, address: "10.0.0.1", ports: [{ name: "grpc", port: 80 }], labels: { app, version: v }, ready: true });
    const service = (n: string, app = n) => ({ ...svc, name: n, hostname: `${n}.default.svc.cluster.local`, selector: { app } });
    const meshes = [
      { revision: 1, namespaces: ["default"], services: [service("a"), service("b")], workloads: [], endpoints: [pod("a", "v1"), pod("b", "v1")] },
      // a second service selects a's pods; b's pod goes away
      { revision: 2, namespaces: ["default"], services: [service("a"), service("b"), service("a2", "a")], workloads: [], endpoints: [pod("a", "v1"), pod("a", "v2")] },
      { revision: 3, namespaces: ["default"], services: [service("a2", "a")], workloads: [], endpoints: [pod("a", "v1")] },
    ];
    const limit = { namespace: "default", selector: { app: "a" }, rateLimit: { filters: [{ name: "envoy.filters.http.local_ratelimit", typeUrl: "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", config: { stat_prefix: "x" } }], rateLimits: [], perRoute: {} } };
    const b = new SnapshotBuilder();
    for (const [mesh, policies] of [[meshes[0]!, []], [meshes[1]!, []], [meshes[1]!, [limit]], [meshes[2]!, [limit]], [meshes[2]!, []]] as const) {
      const inc = b.build(mesh, [], [...policies]).proxies!;
      const scratch = new SnapshotBuilder().build(mesh, [], [...policies]).proxies!;
      expect([...inc.keys()].sort(), `revision ${mesh.revision}`).toEqual([...scratch.keys()].sort());
      for (const [k, part] of scratch) expect(inc.get(k)!.digest, `${k} at revision ${mesh.revision}`).toEqual(part.digest);
    }
    expect([...b.build(meshes[1]!, []).proxies!.keys()].sort()).toEqual(["a-v1.default", "a-v2.default"]);
  });
});
