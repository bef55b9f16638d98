import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadBookinfo } from "../testing/kube-api/bookinfo";
import { KubeApiDouble, type KubeApiDoubleOptions } from "../testing/kube-api/server";
import { type Desired, StalePlanError, executeApply, planApply } from "./apply";
import { KubeClient } from "./client";
import { kubeConfigFor } from "../testing/kubeconfig";

/** Apply with a dry-run diff, conflicts refused then forced, pruning and explained errors, against the API test double. */
let api: KubeApiDouble;
async function cluster(opts: KubeApiDoubleOptions = {}) {
  api = new KubeApiDouble({ tokens: { "admin-token": "admin", "limited-token": "limited" }, authorize: ({ user }) => user === "admin", ...opts });
  await api.start();
  loadBookinfo(api);
}
beforeEach(() => cluster());
afterEach(() => api.stop());

const labels = { "app.kubernetes.io/managed-by": "sextant" };
const vs = (w1: number, w2: number): Desired => ({
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "reviews", namespace: "bookinfo", labels },
  spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews", subset: "v1" }, weight: w1 }, { destination: { host: "reviews", subset: "v2" }, weight: w2 }] }] },
});
const dr = (simple = "ROUND_ROBIN"): Desired => ({
  apiVersion: "networking.istio.io/v1",
  kind: "DestinationRule",
  metadata: { name: "reviews", namespace: "bookinfo", labels },
  spec: { host: "reviews", trafficPolicy: { loadBalancer: { simple } }, subsets: ["v1", "v2", "v3"].map((v) => ({ name: v, labels: { version: v } })) },
});
const client = (token = "admin-token") => new KubeClient(kubeConfigFor(api.url, token));
const scope = { namespaces: ["bookinfo"] };
const live = (plural: string, name = "reviews") => api.store.get(api.resource("networking.istio.io", plural), "bookinfo", name);
const managers = (o: Record<string, unknown> | undefined) => ((o?.metadata as { managedFields?: { manager: string }[] }).managedFields ?? []).map((m) => m.manager);

describe("apply to a cluster", () => {
  it("previews with a server dry-run (nothing written), applies, and then has nothing to send", async () => {
    const plan = await planApply(client(), [vs(90, 10), dr()], scope);
    expect(plan.items.map((i) => `${i.action} ${i.kind}/${i.name}`)).toEqual(["create DestinationRule/reviews", "create VirtualService/reviews"]);
    expect(plan.items[1]!.diff).toContain("+          weight: 90");
    expect(live("virtualservices")).toBeUndefined();
    const { results } = await executeApply(client(), [vs(90, 10), dr()], { ...scope, fingerprint: plan.fingerprint });
    expect(results.map((r) => r.outcome)).toEqual(["applied", "applied"]);
    expect((live("virtualservices")!.spec as { http: unknown[] }).http).toEqual((vs(90, 10).spec as { http: unknown }).http);
    expect(managers(live("virtualservices"))).toEqual(["sextant"]);
    const again = await planApply(client(), [vs(90, 10), dr()], scope);
    expect(again.items.map((i) => i.action)).toEqual(["unchanged", "unchanged"]);
    const before = api.requests.filter((r) => r.method === "PATCH" && !r.path.includes("dryRun")).length;
    await executeApply(client(), [vs(90, 10), dr()], { ...scope, fingerprint: again.fingerprint });
    expect(api.requests.filter((r) => r.method === "PATCH" && !r.path.includes("dryRun")).length).toBe(before);
  });

  it("shows a change as the diff between the live object and the dry-run result", async () => {
    const first = await planApply(client(), [vs(90, 10)], scope);
    await executeApply(client(), [vs(90, 10)], { ...scope, fingerprint: first.fingerprint });
    const plan = await planApply(client(), [vs(50, 50)], scope);
    expect(plan.items[0]!.action).toBe("update");
    expect(plan.items[0]!.diff).toMatch(/-\s+weight: 90\n/);
    expect(plan.items[0]!.diff).toMatch(/\+\s+weight: 50\n/);
  });

  it("refuses a conflict with another field manager naming it, then forces it when asked", async () => {
    const first = await planApply(client(), [vs(90, 10)], scope);
    await executeApply(client(), [vs(90, 10)], { ...scope, fingerprint: first.fingerprint });
    // Someone edits the weights with kubectl edit (an Update by field manager kubectl-edit).
    const res = await fetch(`${api.url}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews?fieldManager=kubectl-edit`, { method: "PATCH", headers: { Authorization: "Bearer admin-token", "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { http: (vs(60, 40).spec as { http: unknown }).http } }) });
    expect(res.status).toBe(200);
    const plan = await planApply(client(), [vs(50, 50)], scope);
    expect(plan.items[0]).toMatchObject({ action: "conflict", conflict: { managers: ["kubectl-edit"], fields: [".spec.http"] } });
    expect(plan.items[0]!.error).toContain('"kubectl-edit" owns .spec.http');
    const refused = await executeApply(client(), [vs(50, 50)], { ...scope, fingerprint: plan.fingerprint });
    expect(refused.results[0]!.outcome).toBe("refused");
    expect((live("virtualservices")!.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[0]!.weight).toBe(60);
    const forced = await planApply(client(), [vs(50, 50)], { ...scope, force: true });
    expect(forced.items[0]!.action).toBe("update");
    const done = await executeApply(client(), [vs(50, 50)], { ...scope, force: true, fingerprint: forced.fingerprint });
    expect(done.results[0]!.outcome).toBe("applied");
    expect((live("virtualservices")!.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[0]!.weight).toBe(50);
    expect(managers(live("virtualservices"))).toEqual(["sextant"]);
  });

  it("refuses a plan the cluster has moved away from, with the new plan", async () => {
    const first = await planApply(client(), [vs(90, 10)], scope);
    await executeApply(client(), [vs(90, 10)], { ...scope, fingerprint: first.fingerprint });
    const plan = await planApply(client(), [vs(80, 20)], scope);
    const o = live("virtualservices")!;
    api.store.put(api.resource("networking.istio.io", "virtualservices"), { ...o, metadata: { ...o.metadata, labels: { ...labels, team: "x" } } }, "MODIFIED");
    const err = await executeApply(client(), [vs(80, 20)], { ...scope, fingerprint: plan.fingerprint }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalePlanError);
    expect((err as StalePlanError).plan.fingerprint).not.toBe(plan.fingerprint);
    expect((err as StalePlanError).plan.items[0]!.diff).toMatch(/\+\s+weight: 80/);
    expect((live("virtualservices")!.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[0]!.weight).toBe(90);
  });

  it("prunes what it applied and no longer generates, never what someone else wrote", async () => {
    const first = await planApply(client(), [vs(90, 10), dr()], scope);
    await executeApply(client(), [vs(90, 10), dr()], { ...scope, fingerprint: first.fingerprint });
    // Labelled as Sextant's, but created by kubectl: not Sextant's to delete.
    api.load([{ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "ratings", namespace: "bookinfo", labels }, spec: { host: "ratings" } }]);
    const plan = await planApply(client(), [vs(90, 10)], scope);
    expect(plan.items.map((i) => `${i.action} ${i.kind}/${i.name}`)).toEqual(["unchanged VirtualService/reviews", "prune DestinationRule/reviews"]);
    expect(plan.items[1]!.diff).toContain("-  host: reviews");
    const { results } = await executeApply(client(), [vs(90, 10)], { ...scope, fingerprint: plan.fingerprint });
    expect(results.map((r) => r.outcome)).toEqual(["unchanged", "pruned"]);
    expect(live("destinationrules")).toBeUndefined();
    expect(live("destinationrules", "ratings")).toBeDefined();
  });

  it("explains errors: Istio's CRDs missing, a forbidden identity, an object the server finds invalid", async () => {
    await api.stop();
    await cluster({ crds: { istio: false } });
    const noCrd = await planApply(client(), [vs(90, 10)], scope);
    expect(noCrd.items[0]).toMatchObject({ action: "error", error: "Istio's networking.istio.io CRDs are not installed (404 on virtualservices.networking.istio.io)" });
    await api.stop();
    await cluster({ authorize: ({ user, verb }) => user === "admin" || verb === "get" || verb === "list" });
    const forbidden = await planApply(client("limited-token"), [vs(90, 10)], scope);
    expect(forbidden.items[0]!.error).toMatch(/^Sextant's identity may not patch virtualservices\.networking\.istio\.io in namespace bookinfo \(403 Forbidden\)/);
    const invalid = await planApply(client(), [dr("FASTEST")], scope);
    expect(invalid.items[0]!.error).toMatch(/^the API server rejected destinationrules\.networking\.istio\.io "reviews" as invalid: spec\.trafficPolicy\.loadBalancer\.simple: /);
    // What cannot be applied is refused; the rest of the batch goes on and the answer says which is which.
    const mixed = await planApply(client(), [vs(90, 10), dr("FASTEST")], scope);
    const { results } = await executeApply(client(), [vs(90, 10), dr("FASTEST")], { ...scope, fingerprint: mixed.fingerprint });
    expect(results.map((r) => `${r.kind}:${r.outcome}`)).toEqual(["DestinationRule:refused", "VirtualService:applied"]);
  });
});
