import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quietLog } from "../testing/databases";
import { loadBookinfo } from "../testing/kube-api/bookinfo";
import { KubeApiDouble } from "../testing/kube-api/server";
import type { Desired } from "./apply";
import { AutoApplier, type IntentRef } from "./auto-apply";
import { KubeClient } from "./client";
import { kubeConfigFor } from "../testing/kubeconfig";

/** Auto-apply per namespace, against the API test double. */
let api: KubeApiDouble;
beforeEach(async () => {
  api = new KubeApiDouble();
  await api.start();
  loadBookinfo(api);
});
afterEach(() => api.stop());

const vs = (w1: number): Desired => ({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "reviews", namespace: "bookinfo", labels: { "app.kubernetes.io/managed-by": "sextant" } }, spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews", subset: "v1" }, weight: w1 }, { destination: { host: "reviews", subset: "v2" }, weight: 100 - w1 }] }] } });
const weight = () => ((api.store.get(api.resource("networking.istio.io", "virtualservices"), "bookinfo", "reviews")?.spec as { http: { route: { weight: number }[] }[] } | undefined)?.http[0]!.route[0]!.weight);
const writes = () => api.requests.filter((r) => r.method === "PATCH" && !r.path.includes("dryRun")).length;

function applier(state: { on: string[]; desired: Desired[]; intents: IntentRef[] }, debounceMs = 20) {
  return new AutoApplier({ client: () => new KubeClient(kubeConfigFor(api.url)), namespaces: async () => new Set(state.on), desired: async () => state.desired, intents: async () => state.intents, log: quietLog, debounceMs });
}

describe("auto-apply", () => {
  it("writes an applied revision in a namespace that asks for it, and says so per intent; other namespaces are left alone", async () => {
    const state = { on: [] as string[], desired: [vs(90)], intents: [{ id: "i1", namespace: "bookinfo", target: "reviews", revision: 1 }] };
    const a = applier(state);
    await a.runNow();
    expect(weight()).toBeUndefined();
    expect(await a.stateOf()).toEqual({});
    state.on = ["bookinfo"];
    expect((await a.stateOf()).i1).toMatchObject({ state: "pending", revision: 1 });
    await a.runNow();
    expect(weight()).toBe(90);
    expect((await a.stateOf()).i1).toMatchObject({ state: "applied", revision: 1 });
    state.intents = [{ ...state.intents[0]!, revision: 2 }];
    state.desired = [vs(80)];
    expect((await a.stateOf()).i1).toMatchObject({ state: "pending", revision: 2 });
    await a.runNow();
    expect(weight()).toBe(80);
    expect((await a.stateOf()).i1).toMatchObject({ state: "applied", revision: 2 });
  });

  it("a burst of changes makes one apply", async () => {
    const state = { on: ["bookinfo"], desired: [vs(50)], intents: [{ id: "i1", namespace: "bookinfo", target: "reviews", revision: 1 }] };
    const a = applier(state, 100);
    for (let w = 50; w <= 70; w++) {
      state.desired = [vs(w)];
      a.trigger();
      await new Promise((r) => setTimeout(r, 5));
    }
    for (let i = 0; i < 200 && weight() !== 70; i++) await new Promise((r) => setTimeout(r, 20));
    expect(weight()).toBe(70);
    expect(writes()).toBe(1);
  });

  it("never forces: a conflict with another field manager is left unapplied, and the intent says why", async () => {
    const state = { on: ["bookinfo"], desired: [vs(90)], intents: [{ id: "i1", namespace: "bookinfo", target: "reviews", revision: 1 }] };
    const a = applier(state);
    await a.runNow();
    await fetch(`${api.url}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews?fieldManager=kubectl-edit`, { method: "PATCH", headers: { Authorization: "Bearer t", "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { http: (vs(60).spec as { http: unknown }).http } }) });
    state.desired = [vs(80)];
    state.intents = [{ ...state.intents[0]!, revision: 2 }];
    await a.runNow();
    expect(weight()).toBe(60);
    expect((await a.stateOf()).i1).toMatchObject({ state: "failed", revision: 2, error: expect.stringContaining('"kubectl-edit" owns .spec.http') });
  });
});
