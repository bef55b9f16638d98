import { describe, expect, it } from "vitest";
import type { Endpoint, MeshSnapshot, Service } from "./model";
import { serviceViews, subsetsOf } from "./subsets";

const svc = (name: string, ns = "default"): Service => ({
  namespace: ns,
  name,
  hostname: `${name}.${ns}.svc.cluster.local`,
  labels: {},
  selector: { app: name },
  ports: [{ name: "http", port: 9080, protocol: "HTTP", targetPortName: "http" }],
});
const ep = (pod: string, labels: Record<string, string>, ns = "default"): Endpoint => ({
  namespace: ns,
  pod,
  workload: pod.replace(/-[a-z0-9]+$/, ""),
  address: "10.0.0.1",
  ports: [{ name: "http", port: 9080 }],
  labels,
  ready: true,
});

describe("subsets from version labels", () => {
  it("groups a service's endpoints by version, sorted, and keeps unversioned ones apart", () => {
    const { subsets, unversioned } = subsetsOf(svc("reviews"), [
      ep("reviews-v3-a", { app: "reviews", version: "v3" }),
      ep("reviews-v1-a", { app: "reviews", version: "v1" }),
      ep("reviews-v1-b", { app: "reviews", version: "v1" }),
      ep("reviews-x", { app: "reviews" }),
      ep("ratings-v1-a", { app: "ratings", version: "v1" }),
      ep("reviews-v2-a", { app: "reviews", version: "v2" }, "other"),
    ]);
    expect(subsets.map((s) => [s.name, s.labels, s.endpoints.map((e) => e.pod)])).toEqual([
      ["v1", { version: "v1" }, ["reviews-v1-a", "reviews-v1-b"]],
      ["v3", { version: "v3" }, ["reviews-v3-a"]],
    ]);
    expect(subsets[0]!.workloads).toEqual(["reviews-v1"]);
    expect(unversioned.map((e) => e.pod)).toEqual(["reviews-x"]);
  });

  it("selects nothing with an empty selector (as Kubernetes does for selector-less services)", () => {
    const s = { ...svc("external"), selector: {} };
    expect(subsetsOf(s, [ep("a-1", { app: "external", version: "v1" })]).subsets).toEqual([]);
  });

  it("orders service views by namespace then name and attaches their workloads", () => {
    const snap: MeshSnapshot = {
      revision: 1,
      namespaces: ["default", "a"],
      services: [svc("reviews"), svc("zeta", "a"), svc("alpha")],
      workloads: [
        { namespace: "default", name: "reviews-v1", kind: "Deployment", labels: { app: "reviews", version: "v1" }, serviceAccount: "r" },
        { namespace: "default", name: "alpha-v1", kind: "Deployment", labels: { app: "alpha", version: "v1" }, serviceAccount: "a" },
      ],
      endpoints: [ep("reviews-v1-a", { app: "reviews", version: "v1" })],
    };
    const views = serviceViews(snap);
    expect(views.map((v) => `${v.namespace}/${v.name}`)).toEqual(["a/zeta", "default/alpha", "default/reviews"]);
    expect(views[2]!.workloads.map((w) => w.name)).toEqual(["reviews-v1"]);
    // A workload with no running pods still belongs to the service that selects it.
    expect(views[1]!.workloads.map((w) => w.name)).toEqual(["alpha-v1"]);
    expect(views[1]!.subsets).toEqual([]);
  });
});
