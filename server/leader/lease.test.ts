import { CoordinationV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quietLog } from "../testing/databases";
import { KubeApiDouble } from "../testing/kube-api/server";
import { kubeConfigFor } from "../testing/kubeconfig";
import { tcpHop } from "../testing/tcp-hop";
import { LeaseLeader } from "./lease";

/**
 * The Lease election against the Kubernetes API test double (which answers Leases as a real
 * kube-apiserver 1.32 does: transcript 10, replayed in kube-api.test.ts). Timings are scaled
 * down (lease 1.5 s, renew deadline 1 s, retry 0.2 s) so a takeover is seen in a second or two;
 * the defaults are client-go's.
 */
const FAST = { leaseMs: 1500, renewDeadlineMs: 1000, retryMs: 200 };
const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("leader election with a Kubernetes Lease", () => {
  let api: KubeApiDouble;
  const leaders: LeaseLeader[] = [];
  const make = (url: string, identity: string, timings: Partial<typeof FAST> = FAST) => {
    const l = new LeaseLeader(kubeConfigFor(url), { namespace: "sextant", name: "sextant-leader", identity, ...timings }, quietLog);
    leaders.push(l);
    return l;
  };
  const lease = () => api.store.get(api.resource("coordination.k8s.io", "leases"), "sextant", "sextant-leader") as { spec: Record<string, unknown> } | undefined;

  beforeEach(async () => {
    api = new KubeApiDouble({ tokens: { "admin-token": "admin" } });
    await api.start();
    api.ensureNamespace("sextant");
  });
  afterEach(async () => {
    for (const l of leaders.splice(0)) await l.stop();
    await api.stop();
  });

  it("uses client-go's timings by default", () => {
    expect(make(api.url, "x", {}).timings).toEqual({ leaseMs: 15_000, renewDeadlineMs: 10_000, retryMs: 2_000 });
  });

  it("a Date sent as JavaScript writes it is refused, as the real API server refuses it; the elector's MicroTime is accepted", async () => {
    const client = kubeConfigFor(api.url).makeApiClient(CoordinationV1Api);
    const now = new Date();
    const refused = await client.createNamespacedLease({ namespace: "sextant", body: { metadata: { name: "plain-date" }, spec: { holderIdentity: "x", leaseDurationSeconds: 15, renewTime: now } } }).catch((e: { code: number }) => e);
    expect((refused as { code: number }).code).toBe(400);
    const a = make(api.url, "console-a");
    a.start();
    await until(() => a.leading);
    expect(lease()!.spec).toMatchObject({ holderIdentity: "console-a", leaseDurationSeconds: 2, leaseTransitions: 0 });
    expect(String(lease()!.spec.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("exactly one of two replicas leads; the leader renews; a stopped leader releases and the other takes over at its next try", async () => {
    const a = make(api.url, "console-a");
    const b = make(api.url, "console-b");
    a.start();
    await until(() => a.leading);
    b.start();
    const firstRenew = String(lease()!.spec.renewTime);
    await new Promise((r) => setTimeout(r, 2 * FAST.leaseMs));
    expect([a.leading, b.leading]).toEqual([true, false]);
    expect(String(lease()!.spec.renewTime)).not.toBe(firstRenew);
    const stoppedAt = Date.now();
    await a.stop();
    expect(a.leading).toBe(false);
    await until(() => b.leading);
    // Released: no waiting out the lease.
    expect(Date.now() - stoppedAt).toBeLessThan(FAST.leaseMs);
    expect(lease()!.spec).toMatchObject({ holderIdentity: "console-b", leaseTransitions: 1 });
  });

  it("a leader cut off from the API server stops leading within the renew deadline, before the other can take the lease", async () => {
    const hop = await tcpHop(Number(new URL(api.url).port));
    const a = make(`http://127.0.0.1:${hop.port}`, "console-a");
    const b = make(api.url, "console-b");
    a.start();
    await until(() => a.leading);
    b.start();
    await new Promise((r) => setTimeout(r, 500));
    let aStopped = 0;
    let bLed = 0;
    a.onChange((leading) => !leading && (aStopped = Date.now()));
    b.onChange((leading) => leading && (bLed = Date.now()));
    const cutAt = Date.now();
    await hop.cut();
    await until(() => bLed > 0);
    // `leading` turned false by the deadline even if no listener was told yet.
    expect(a.leading).toBe(false);
    expect(aStopped).toBeGreaterThan(0);
    expect(aStopped).toBeLessThan(bLed);
    // The other waited out the lease (it saw the last renewal at most a retry before the cut).
    expect(bLed - cutAt).toBeGreaterThanOrEqual(FAST.leaseMs - FAST.retryMs - 50);
    expect(lease()!.spec).toMatchObject({ holderIdentity: "console-b", leaseTransitions: 1 });
  });

  it("past the renew deadline without a renewal, `leading` is false even before any timer has run", async () => {
    const a = make(api.url, "console-a");
    a.start();
    await until(() => a.leading);
    const end = Date.now() + FAST.renewDeadlineMs + 200;
    while (Date.now() < end) {
      // the event loop held: no renewal can run
    }
    expect(a.leading).toBe(false);
  });

  it("two replicas starting at once: one create wins (409 AlreadyExists for the other), one leader", async () => {
    const a = make(api.url, "console-a");
    const b = make(api.url, "console-b");
    a.start();
    b.start();
    await until(() => a.leading || b.leading);
    await new Promise((r) => setTimeout(r, 3 * FAST.retryMs));
    expect([a.leading, b.leading].filter(Boolean)).toHaveLength(1);
    expect(api.requests.some((r) => r.method === "POST" && r.status === 409) || api.requests.filter((r) => r.method === "POST").length === 1).toBe(true);
  });
});
