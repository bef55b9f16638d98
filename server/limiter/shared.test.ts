import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeFeed } from "../leader/changes";
import type { Endpoint } from "../mesh/model";
import { MemoryRegistry } from "../mesh/registry";
import { loadControllerState, saveControllerState } from "../store/controller-state";
import { type Database, openDatabase } from "../store/database";
import { createPostgresDatabase, quietLog } from "../testing/databases";
import { LimiterController, type LimiterResults, type StoredLimiter } from "./controller";
import { DEFAULT_RLS } from "./envoyfilter";
import { parseSmartLimiter } from "./schema";

/**
 * Two replicas' limiter controllers on the real PostgreSQL: only the leader evaluates; it saves
 * its results (ControllerState) and NOTIFYs; the follower, whose own view of the mesh differs
 * (as a replica's informers or demo telemetry may), serves the leader's statuses and inbound
 * policies, so proxies on either replica get the same limits.
 */
const pod = (name: string, version: string): Endpoint => ({ namespace: "default", pod: name, workload: `reviews-${version}`, address: "10.0.0.1", ports: [{ name: "http", port: 9080 }], labels: { app: "reviews", version }, ready: true });

function meshWith(pods: number): MemoryRegistry {
  const registry = new MemoryRegistry();
  registry.update((w) => {
    w.upsertService({ namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: {}, selector: { app: "reviews" }, ports: [{ name: "http", port: 9080, protocol: "HTTP", targetPortName: "http" }] });
    for (let i = 0; i < pods; i++) w.upsertEndpoint(pod(`reviews-${i}`, `v${i + 1}`));
  });
  return registry;
}

function limiter(revision: number, quota: string): StoredLimiter {
  const parsed = parseSmartLimiter({
    apiVersion: "microservice.slime.io/v1alpha2",
    kind: "SmartLimiter",
    metadata: { name: "reviews", namespace: "default" },
    spec: { sets: { _base: { descriptor: [{ action: { quota, fill_interval: { seconds: 60 }, strategy: "average" }, condition: "{{._base.pod}} > 1", target: { port: 9080 } }] } } },
  });
  if ("problems" in parsed) throw new Error(JSON.stringify(parsed.problems));
  return { id: "00000000-0000-4000-8000-000000000001", revision, limiter: parsed.limiter };
}

describe("limiter results shared between replicas through PostgreSQL", () => {
  let pgdb: { url: string; drop(): Promise<void> };
  let db: Database;
  beforeAll(async () => {
    pgdb = await createPostgresDatabase();
    db = await openDatabase({ databaseUrl: pgdb.url, dataDir: "unused", log: quietLog });
  });
  afterAll(async () => {
    await db.close();
    await pgdb.drop();
  });

  it("the follower serves the leader's quotas and policies, follows its changes, and answers a save with the leader's evaluation", async () => {
    let stored = [limiter(1, "90/{{._base.pod}}")];
    const shared = (leading: () => boolean) => ({
      leading,
      save: (r: LimiterResults) => saveControllerState(db.prisma, "limiter-results", r),
      load: async () => (await loadControllerState(db.prisma, "limiter-results"))?.value as LimiterResults | undefined,
    });
    const leaderMesh = meshWith(3);
    let followerPolicyChanges = 0;
    const base = { load: async () => stored, inputs: () => ({ traffic: undefined, prometheus: undefined, handlers: {}, windowSeconds: 60 }), intervalMs: 3_600_000, rls: DEFAULT_RLS, log: quietLog };
    const leader = new LimiterController({ ...base, registry: leaderMesh, onPolicies: () => {}, shared: shared(() => true) });
    // The follower sees one pod only: evaluating itself, its condition ({{._base.pod}} > 1) would be false and it would limit nothing.
    let followerLeads = false;
    const follower = new LimiterController({ ...base, registry: meshWith(1), onPolicies: () => followerPolicyChanges++, shared: shared(() => followerLeads) });
    const feed = new ChangeFeed(pgdb.url, (action) => action === "state.limiter-results" && void follower.evaluateNow(), quietLog);
    feed.start();
    try {
      await leader.start();
      await follower.start();
      expect(leader.status()[0]!.evaluation!.descriptors[0]).toMatchObject({ active: true, quota: 30 });
      expect(follower.status()).toEqual(leader.status());
      expect(follower.policies()).toEqual(leader.policies());
      expect(follower.policies()).toHaveLength(1);
      expect(follower.objects()).toEqual(leader.objects());
      expect(follower.lastCycle).toEqual(leader.lastCycle);

      // The leader's mesh changes: its next cycle's results reach the follower through NOTIFY.
      leaderMesh.update((w) => w.upsertEndpoint(pod("reviews-3", "v4")));
      await leader.evaluateNow();
      await expect.poll(() => follower.status()[0]!.evaluation!.descriptors[0]!.quota, { timeout: 5000, interval: 20 }).toBe(22.5);
      expect(follower.policies()).toEqual(leader.policies());
      expect(followerPolicyChanges).toBeGreaterThanOrEqual(2);

      // A save on the follower: its answer waits for the leader's evaluation of the saved revision.
      stored = [limiter(2, "40/{{._base.pod}}")];
      setTimeout(() => void leader.evaluateNow(), 300);
      await follower.evaluateOne(stored[0]!);
      expect(follower.status()[0]).toMatchObject({ revision: 2, evaluation: { descriptors: [{ quota: 10 }] } });

      // The follower becomes the leader: it evaluates with its own view.
      followerLeads = true;
      await follower.evaluateNow();
      expect(follower.status()[0]!.evaluation!.descriptors[0]).toMatchObject({ active: false });
    } finally {
      leader.stop();
      follower.stop();
      await feed.stop();
    }
  });

  it("a leader that loses the leadership during its cycle saves nothing", async () => {
    let asked = 0;
    const saved: LimiterResults[] = [];
    // Leading when the cycle starts, not any more when it would save.
    const c = new LimiterController({ registry: meshWith(3), load: async () => [limiter(1, "90/{{._base.pod}}")], inputs: () => ({ traffic: undefined, prometheus: undefined, handlers: {}, windowSeconds: 60 }), intervalMs: 3_600_000, rls: DEFAULT_RLS, log: quietLog, onPolicies: () => {}, shared: { leading: () => asked++ === 0, save: async (r) => void saved.push(r), load: async () => undefined } });
    await c.evaluateNow();
    expect(c.status()).toHaveLength(1);
    expect(saved).toEqual([]);
  });
});
