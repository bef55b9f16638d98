import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../mesh/registry";
import { serviceViews } from "../mesh/subsets";
import { buildResources } from "../xds/resources";
import { quietLog } from "../testing/databases";
import { loadBookinfo } from "../testing/kube-api/bookinfo";
import { KubeApiDouble } from "../testing/kube-api/server";
import type { Obj } from "../testing/kube-api/store";
import { KubeClient } from "./client";
import { KUBE_SOURCE, KubeSource } from "./source";
import { kubeConfigFor } from "../testing/kubeconfig";

/** The Kubernetes registry source against the API test double holding Bookinfo as a real cluster held it. */
let api: KubeApiDouble;
let source: KubeSource | undefined;
const registry = () => new MemoryRegistry();

async function until<T>(what: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  api = new KubeApiDouble({ tokens: { "admin-token": "admin", "limited-token": "limited" }, authorize: ({ user }) => user === "admin" });
  await api.start();
  loadBookinfo(api);
});
afterEach(async () => {
  source?.stop();
  source = undefined;
  await api.stop();
});

function startSource(reg: MemoryRegistry, opts: Partial<ConstructorParameters<typeof KubeSource>[0]> = {}, token = "admin-token"): KubeSource {
  source = new KubeSource({ client: new KubeClient(kubeConfigFor(api.url, token)), registry: reg, log: quietLog, backoff: { initialMs: 20, maxMs: 200 }, ...opts });
  source.start();
  return source;
}

describe("Kubernetes registry source", () => {
  it("shows Bookinfo from bookinfo-kube.yaml as its 6 workloads and 4 services with their subsets and endpoints", async () => {
    const reg = registry();
    startSource(reg);
    const snap = await until(() => reg.snapshot().endpoints.length === 6 && reg.snapshot());
    expect(snap.services.filter((s) => s.namespace === "bookinfo").map((s) => s.name)).toEqual(["details", "productpage", "ratings", "reviews"]);
    expect(snap.workloads.filter((w) => w.namespace === "bookinfo").map((w) => `${w.kind}/${w.name}`)).toEqual(["Deployment/details-v1", "Deployment/productpage-v1", "Deployment/ratings-v1", "Deployment/reviews-v1", "Deployment/reviews-v2", "Deployment/reviews-v3"]);
    const reviews = serviceViews(snap).find((s) => s.name === "reviews")!;
    expect(reviews.subsets.map((s) => s.name)).toEqual(["v1", "v2", "v3"]);
    expect(snap.services.find((s) => s.name === "reviews")!.ports).toEqual([{ name: "http", port: 9080, protocol: "HTTP", targetPortName: "http" }]);
    const r3 = snap.endpoints.find((e) => e.workload === "reviews-v3")!;
    expect(r3).toMatchObject({ namespace: "bookinfo", address: expect.stringMatching(/^10\.244\.0\./), ready: true, ports: [{ name: "http", port: 9080 }], labels: { app: "reviews", version: "v3" } });
    expect(snap.workloads.find((w) => w.name === "reviews-v3")!.serviceAccount).toBe("bookinfo-reviews");
    expect(reg.sources()).toEqual([expect.objectContaining({ name: KUBE_SOURCE, state: "synced" })]);
  });

  it("a watch event (reviews-v3 scaled to 0: its pod deleted, its slice entry gone) reaches the model and the subset", async () => {
    const reg = registry();
    startSource(reg);
    await until(() => reg.snapshot().endpoints.length === 6);
    // What xDS serves for reviews: the subset v3 cluster's endpoints and the service's own.
    const eds = () => {
      const r = buildResources(reg.snapshot(), []).endpoints as Record<string, { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[] }>;
      const count = (c: string) => r[c]?.endpoints[0]!.lb_endpoints.length ?? -1;
      return { v3: count("outbound|9080|v3|reviews.bookinfo.svc.cluster.local"), all: count("outbound|9080||reviews.bookinfo.svc.cluster.local") };
    };
    expect(eds()).toEqual({ v3: 1, all: 3 });
    const pods = api.resource("", "pods");
    const pod = api.store.list(pods, "bookinfo").find((p) => p.metadata.labels?.version === "v3")!;
    const slices = api.resource("discovery.k8s.io", "endpointslices");
    const slice = api.store.list(slices, "bookinfo").find((s) => s.metadata.labels?.["kubernetes.io/service-name"] === "reviews")!;
    api.store.put(slices, { ...slice, endpoints: (slice.endpoints as { targetRef: { name: string } }[]).filter((e) => e.targetRef.name !== pod.metadata.name) } as Obj, "MODIFIED");
    api.store.remove(pods, "bookinfo", pod.metadata.name);
    const snap = await until(() => reg.snapshot().endpoints.length === 5 && reg.snapshot());
    expect(snap.endpoints.some((e) => e.workload === "reviews-v3")).toBe(false);
    // The workload stays (a Deployment at zero replicas); its subset has no endpoints.
    expect(snap.workloads.some((w) => w.name === "reviews-v3")).toBe(true);
    const v3 = serviceViews(snap).find((s) => s.name === "reviews")!.subsets.find((s) => s.name === "v3");
    expect(v3?.endpoints ?? 0).toBe(0);
    // The subset went with its last pod: no v3 cluster is served any more, and the service has 2 endpoints.
    expect(eds()).toEqual({ v3: -1, all: 2 });
  });

  it("relists after 410 Gone, and a relist replaces the namespace's objects in one registry change", async () => {
    const reg = registry();
    const src = startSource(reg);
    await until(() => reg.snapshot().endpoints.length === 6);
    // Changes happen while every watch is down, and the watch cache forgets them (410 on resume).
    api.closeWatches();
    const services = api.resource("", "services");
    api.store.remove(services, "bookinfo", "ratings");
    api.store.remove(services, "bookinfo", "details");
    api.store.compact();
    const changes: number[] = [];
    reg.onChange((s) => changes.push(s.services.length));
    await until(() => reg.snapshot().services.length === 2);
    await until(() => src.status().every((s) => s.state === "synced"));
    expect(src.status().find((s) => s.resource === "services")!.relists).toBeGreaterThan(0);
    // The relist replaced the services in one change: no snapshot had one of the two gone and not the other.
    expect(changes).not.toContain(3);
  });

  it("a watch that goes silent (a hung connection) is dropped by the watchdog and the source lists again", async () => {
    const reg = registry();
    const src = startSource(reg, { watchdogMs: 300 });
    await until(() => reg.snapshot().endpoints.length === 6);
    api.stallWatches();
    api.load([{ apiVersion: "v1", kind: "Service", metadata: { name: "extra", namespace: "bookinfo" }, spec: { selector: { app: "extra" }, ports: [{ name: "grpc", port: 7070 }] } }]);
    const snap = await until(() => reg.snapshot().services.find((s) => s.name === "extra") && reg.snapshot());
    expect(snap.services.find((s) => s.name === "extra")!.ports[0]!.protocol).toBe("GRPC");
    expect(src.status().some((s) => s.relists > 0)).toBe(true);
  });

  it("the API server goes away: the model is kept (not wiped), the source says so and retries with backoff; when it is back, changes made meanwhile arrive", async () => {
    const reg = registry();
    const src = startSource(reg);
    await until(() => reg.snapshot().endpoints.length === 6 && src.status().every((s) => s.state === "synced"));
    const before = reg.snapshot();
    const port = Number(new URL(api.url).port);
    await api.stop();
    await until(() => src.status().some((s) => s.state !== "synced"));
    await new Promise((r) => setTimeout(r, 500));
    // Still the cluster as last seen: services, workloads and endpoints all there.
    const during = reg.snapshot();
    expect([during.services.length, during.workloads.length, during.endpoints.length]).toEqual([before.services.length, before.workloads.length, before.endpoints.length]);
    expect(src.status().find((s) => s.state !== "synced")!.error).toMatch(/cannot reach the Kubernetes API server|ECONNREFUSED|broke off|failed/);
    // Meanwhile the cluster changed; the API server comes back on the same address.
    api.load([{ apiVersion: "v1", kind: "Service", metadata: { name: "extra", namespace: "bookinfo" }, spec: { selector: { app: "extra" }, ports: [{ name: "http", port: 8080 }] } }]);
    await api.start(port);
    await until(() => reg.snapshot().services.some((s) => s.name === "extra") && src.status().every((s) => s.state === "synced"));
    expect(reg.snapshot().endpoints.length).toBe(6);
  });

  it("an identity without rights: start-up goes on, the source says which verb on which resource it lacks, and keeps retrying", async () => {
    const reg = registry();
    const src = startSource(reg, {}, "limited-token");
    // Each informer reports on its own: wait until every one has been refused.
    await until(() => src.status().every((s) => s.state === "failing"));
    const state = await until(() => reg.sources().find((s) => s.state === "failed"));
    expect(state.error).toContain('may not list pods cluster-wide (403 Forbidden)');
    const before = api.requests.length;
    await until(() => api.requests.length > before + 7);
  });

  it("an unreachable API server and a refused token are reported as such", async () => {
    const reg = registry();
    startSource(reg, {}, "wrong-token");
    expect((await until(() => reg.sources().find((s) => s.state === "failed"))).error).toContain("refused Sextant's credentials (401 Unauthorized)");
    source!.stop();
    const url = api.url;
    await api.stop();
    const reg2 = registry();
    source = new KubeSource({ client: new KubeClient(kubeConfigFor(url)), registry: reg2, log: quietLog, backoff: { initialMs: 20, maxMs: 200 } });
    source.start();
    expect((await until(() => reg2.sources().find((s) => s.state === "failed"))).error).toMatch(/cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    api = new KubeApiDouble();
    await api.start();
  });

  it("SEXTANT_NAMESPACES: one informer per kind and namespace; other namespaces stay out of the model", async () => {
    api.load([{ apiVersion: "v1", kind: "Service", metadata: { name: "elsewhere", namespace: "other" }, spec: { selector: { app: "x" }, ports: [{ name: "http", port: 80 }] } }]);
    const reg = registry();
    startSource(reg, { namespaces: ["bookinfo"] });
    const snap = await until(() => reg.snapshot().endpoints.length === 6 && reg.snapshot());
    expect(snap.namespaces).toEqual(["bookinfo"]);
    expect(api.requests.some((r) => r.path.startsWith("/api/v1/pods"))).toBe(false);
  });
});
