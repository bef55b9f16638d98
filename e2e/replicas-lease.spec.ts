import { expect, test } from "@playwright/test";
import { loadBookinfo } from "../server/testing/kube-api/bookinfo";
import { KubeApiDouble } from "../server/testing/kube-api/server";
import { writeKubeconfig } from "../server/testing/kubeconfig";
import { type Replica, leads, startReplica, stopReplicas, watchAds } from "../server/testing/replicas";
import { createPostgresDatabase } from "../server/testing/postgres";

/**
 * Two Sextant processes on one PostgreSQL and one Kubernetes cluster (the API test double, which
 * answers Leases as kube-apiserver 1.32 does: transcript 10): they elect their leader by the Lease
 * with client-go's timings. A limiter saved through the follower is evaluated by the leader and
 * both replicas' proxies get the same bytes; an intent applied through A reaches B's proxy; the
 * leader auto-applies to the cluster; SIGKILL the leader and the other leads within the lease time
 * and applies the next change: the VirtualService is written once per change, none lost.
 */
const LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const REVIEWS_V1 = "sidecar~10.244.0.13~reviews-v1-ltlpbtz5v8-t4vgs.bookinfo~bookinfo.svc.cluster.local";
const PRODUCTPAGE = "sidecar~10.244.0.11~productpage-v1-44rb5pcrs8-qjzjg.bookinfo~bookinfo.svc.cluster.local";
const LEASE_MS = 15_000;

const json = (method: string, body: unknown) => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const shift = (weights: { subset: string; weight: number }[], expectedRevision: number) => json("PUT", { intent: { kind: "traffic-shift", namespace: "bookinfo", target: "reviews", spec: { weights } }, expectedRevision });

test("replicas on Kubernetes: a Lease elects the leader; the leader's limits and changes reach both replicas' proxies; SIGKILL hands over within the lease, no write twice or lost", async () => {
  test.setTimeout(240_000);
  const api = new KubeApiDouble({ tokens: { "sextant-token": "sextant" } });
  await api.start();
  loadBookinfo(api);
  api.ensureNamespace("sextant");
  const kubeconfig = writeKubeconfig(api.url, "sextant-token");
  const db = await createPostgresDatabase();
  const replicas: Replica[] = [];
  const env = (name: string) => ({ KUBECONFIG: kubeconfig, SEXTANT_KUBE: "on", SEXTANT_DEMO: "off", SEXTANT_NAMESPACES: "bookinfo", POD_NAME: name, SEXTANT_LEASE_NAMESPACE: "sextant" });
  const leases = api.resource("coordination.k8s.io", "leases");
  const holder = () => String((api.store.get(leases, "sextant", "sextant-leader") as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity ?? "");
  try {
    replicas.push(...(await Promise.all([startReplica(db.url, env("console-a")), startReplica(db.url, env("console-b"))])));
    const [a, b] = replicas as [Replica, Replica];
    await expect.poll(async () => (await Promise.all([leads(a), leads(b)])).filter(Boolean).length, { timeout: 20_000 }).toBe(1);
    const leader = (await leads(a)) ? a : b;
    const follower = leader === a ? b : a;
    expect(holder()).toMatch(new RegExp(`^console-${leader === a ? "a" : "b"}_`));

    // A limiter saved through the follower: the answer carries the leader's evaluation, and the
    // inbound listeners of a reviews pod are the same bytes on both replicas, with the local rate limit.
    const lds = [a, b].map((r) => watchAds(r.xdsPort, REVIEWS_V1, LDS, []));
    await expect.poll(() => lds.every((w) => w.answers.length > 0), { timeout: 15_000 }).toBe(true);
    const limiter = { apiVersion: "microservice.slime.io/v1alpha2", kind: "SmartLimiter", metadata: { name: "reviews", namespace: "bookinfo" }, spec: { sets: { _base: { descriptor: [{ action: { quota: "90/{{._base.pod}}", fill_interval: { seconds: 60 }, strategy: "average" }, condition: "{{._base.pod}} > 1", target: { port: 9080 } }] } } } };
    const saved = await fetch(`${follower.url}/api/limiters`, json("PUT", { limiter, expectedRevision: 0 }));
    expect(saved.status).toBe(200);
    const answer = (await saved.json()) as { status: { current: boolean; descriptors: { quota: number; active: boolean }[] } };
    expect(answer.status).toMatchObject({ current: true, descriptors: [{ quota: 30, active: true }] });
    const limited = (w: (typeof lds)[number]) => Object.values(w.answers.at(-1)!.resources).some((r) => Buffer.from(r, "base64").includes("local_ratelimit"));
    await expect.poll(() => lds.every(limited), { timeout: 10_000 }).toBe(true);
    expect(lds[0]!.answers.at(-1)!.version).toBe(lds[1]!.answers.at(-1)!.version);
    expect(lds[0]!.answers.at(-1)!.resources).toEqual(lds[1]!.answers.at(-1)!.resources);
    for (const w of lds) w.close();

    // Auto-apply on; every write of the VirtualService to the cluster is watched.
    expect((await fetch(`${a.url}/api/cluster/settings`, json("PUT", { namespace: "bookinfo", autoApply: true }))).status).toBe(200);
    const events: string[] = [];
    const watchCtl = new AbortController();
    void (async () => {
      const res = await fetch(`${api.url}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices?watch=1&fieldSelector=metadata.name%3Dreviews`, { headers: { authorization: "Bearer sextant-token" }, signal: watchCtl.signal });
      const reader = res.body!.getReader();
      for (let buf = ""; ; ) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const e = JSON.parse(buf.slice(0, i)) as { type: string; object: { spec: { http: { route: { weight?: number }[] }[] } } };
          events.push(`${e.type}:${e.object.spec.http[0]!.route.map((r) => r.weight ?? 100).join("/")}`);
          buf = buf.slice(i + 1);
        }
      }
    })().catch(() => undefined);

    // A change through A reaches a proxy on B (timed from the request).
    const rds = watchAds(b.xdsPort, PRODUCTPAGE, RDS, ["reviews.bookinfo.svc.cluster.local:9080"]);
    await expect.poll(() => rds.answers.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const before = rds.answers.at(-1)!.version;
    const sent = Date.now();
    expect((await fetch(`${a.url}/api/intents`, shift([{ subset: "v1", weight: 80 }, { subset: "v2", weight: 20 }], 0))).status).toBe(200);
    await expect.poll(() => rds.answers.some((v) => v.version !== before), { timeout: 10_000 }).toBe(true);
    console.log(`change through replica A reached a proxy on replica B in ${rds.answers.find((v) => v.version !== before)!.at - sent} ms`);
    rds.close();
    await expect.poll(() => events, { timeout: 15_000 }).toEqual(["ADDED:80/20"]);

    // The leader dies; the other leads within the lease time (plus one retry) and applies the next change.
    const killed = Date.now();
    leader.proc.kill("SIGKILL");
    await leader.exited;
    expect((await fetch(`${follower.url}/api/intents`, shift([{ subset: "v1", weight: 50 }, { subset: "v2", weight: 50 }], 1))).status).toBe(200);
    await expect.poll(() => leads(follower), { timeout: LEASE_MS + 10_000, intervals: [250] }).toBe(true);
    const took = Date.now() - killed;
    console.log(`the other replica led ${took} ms after the leader was killed (lease ${LEASE_MS} ms)`);
    expect(took).toBeLessThan(LEASE_MS + 2 * 2000 + 1000);
    expect(holder()).toMatch(new RegExp(`^console-${follower === a ? "a" : "b"}_`));
    await expect.poll(() => events, { timeout: 15_000 }).toEqual(["ADDED:80/20", "MODIFIED:50/50"]);
    // Nothing more comes (no second write of either change).
    await new Promise((r) => setTimeout(r, 3000));
    expect(events).toEqual(["ADDED:80/20", "MODIFIED:50/50"]);
    watchCtl.abort();
  } finally {
    await stopReplicas(replicas);
    await db.drop();
    await api.stop();
  }
});
