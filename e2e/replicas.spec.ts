import { expect, test } from "@playwright/test";
import { type Replica, leads, startReplica, stopReplicas, watchAds } from "../server/testing/replicas";
import { createPostgresDatabase } from "../server/testing/postgres";

/**
 * Two Sextant processes (the production build) on one PostgreSQL: exactly one leads; a change
 * made through replica A reaches a proxy connected to replica B's xDS server; when the leader is
 * killed (SIGKILL), the other leads.
 */
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const ROUTE = "reviews.default.svc.cluster.local:9080";

test("two replicas on one PostgreSQL: one leads; a change through A reaches B's proxies; kill the leader and the other leads", async () => {
  test.setTimeout(180_000);
  const db = await createPostgresDatabase();
  const replicas: Replica[] = [];
  try {
    replicas.push(await startReplica(db.url));
    replicas.push(await startReplica(db.url));
    const [a, b] = replicas as [Replica, Replica];
    await expect.poll(async () => (await Promise.all([leads(a), leads(b)])).filter(Boolean).length, { timeout: 15_000 }).toBe(1);

    // A proxy on B watches reviews' routes.
    const watch = watchAds(b.xdsPort, "sidecar~127.0.0.1~replica-test.default~default.svc.cluster.local", RDS, [ROUTE]);
    const versions = watch.answers;
    await expect.poll(() => versions.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const before = versions.at(-1)!.version;

    // The change goes through A (timed from the request: what an operator waits for).
    const sent = Date.now();
    const put = await fetch(`http://127.0.0.1:${a.port}/api/intents`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v2", weight: 100 }] } }, expectedRevision: 0 }) });
    expect(put.status).toBe(200);
    await expect.poll(() => versions.some((v) => v.version !== before && v.at >= sent), { timeout: 10_000 }).toBe(true);
    const reached = versions.find((v) => v.version !== before && v.at >= sent)!.at - sent;
    console.log(`change through replica A reached a proxy on replica B in ${reached} ms`);
    watch.close();

    // Kill the leader; the other one leads.
    const leader = (await leads(a)) ? a : b;
    const other = leader === a ? b : a;
    const killed = Date.now();
    leader.proc.kill("SIGKILL");
    await leader.exited;
    await expect.poll(() => leads(other), { timeout: 20_000 }).toBe(true);
    console.log(`the other replica led ${Date.now() - killed} ms after the leader was killed`);
  } finally {
    await stopReplicas(replicas);
    await db.drop();
  }
});
