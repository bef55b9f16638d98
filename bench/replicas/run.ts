/**
 * Replicas on one PostgreSQL (the production build, `next start`; run `npx next build` first):
 *  - cross-replica latency: a traffic-shift intent PUT through replica A; the time from sending
 *    the request until an ADS client connected to replica B receives the new route configuration
 *    (and, apart, how much of it the PUT's own answer took). 12 changes after one unmeasured one.
 *  - failover: SIGKILL the leader; the time until the other replica says it leads (its /metrics).
 *    3 kills, the killed replica started again between them.
 * Targets (issue 16): change reaches the other replica's proxy in under 1 s; failover within the
 * election's lease (advisory lock: the session ends with the process; Lease: 15 s).
 * Command: npx next build && npx tsx bench/replicas/run.ts
 */
import { recordResult, stats } from "../lib/results";
import { loadBookinfo } from "../../server/testing/kube-api/bookinfo";
import { KubeApiDouble } from "../../server/testing/kube-api/server";
import { writeKubeconfig } from "../../server/testing/kubeconfig";
import { type Replica, leads, startReplica, stopReplicas, watchAds } from "../../server/testing/replicas";
import { createPostgresDatabase } from "../../server/testing/postgres";

const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const ROUTE = "reviews.default.svc.cluster.local:9080";
const CHANGES = Number(process.env.CHANGES ?? 12);
const KILLS = Number(process.env.KILLS ?? 3);

const until = async (cond: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const db = await createPostgresDatabase();
const replicas: Replica[] = [];
try {
  replicas.push(...(await Promise.all([startReplica(db.url), startReplica(db.url)])));
  const [a, b] = replicas as [Replica, Replica];
  const watch = watchAds(b.xdsPort, "sidecar~127.0.0.1~bench.default~default.svc.cluster.local", RDS, [ROUTE]);
  await until(() => watch.answers.length > 0, 15_000, "first answer");
  const reach: number[] = [];
  const answered: number[] = [];
  for (let i = 0; i <= CHANGES; i++) {
    const before = watch.answers.length;
    const subset = i % 2 ? "v2" : "v3";
    const sent = Date.now();
    const res = await fetch(`${a.url}/api/intents`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset, weight: 100 }] } }, expectedRevision: i }) });
    if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${await res.text()}`);
    const took = Date.now() - sent;
    await until(() => watch.answers.length > before, 10_000, `change ${i} on B`);
    if (i > 0) {
      reach.push(watch.answers[before]!.at - sent);
      answered.push(took);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  watch.close();

  const failover = await failovers(replicas, () => startReplica(db.url));
  // The same on Kubernetes: the Lease (client-go's timings) on the API test double.
  const api = new KubeApiDouble({ tokens: { "bench-token": "bench" } });
  await api.start();
  loadBookinfo(api);
  api.ensureNamespace("sextant");
  const kubeconfig = writeKubeconfig(api.url, "bench-token");
  const onKube = () => startReplica(db.url, { KUBECONFIG: kubeconfig, SEXTANT_KUBE: "on", SEXTANT_DEMO: "off", SEXTANT_NAMESPACES: "bookinfo", SEXTANT_LEASE_NAMESPACE: "sextant" });
  await stopReplicas(replicas.splice(0));
  replicas.push(...(await Promise.all([onKube(), onKube()])));
  const leaseFailover = await failovers(replicas, onKube);
  await stopReplicas(replicas.splice(0));
  await api.stop();

  const r = stats(reach);
  const q = stats(answered);
  const f = stats(failover);
  const l = stats(leaseFailover);
  const lines = [
    `Command: \`npx next build && npx tsx bench/replicas/run.ts\`. Two production servers (\`next start\`, demo on, 1 request/s) on one PostgreSQL 15 (127.0.0.1), leader elected by the advisory lock. Cross-replica: a traffic-shift PUT through replica A, timed from sending it until an ADS client on replica B receives the new route configuration (B hears of it by LISTEN/NOTIFY, rebuilds its snapshot after its 100 ms debounce and pushes); ${CHANGES} changes after one unmeasured. Failover: SIGKILL of the leader until the other replica's /metrics says it leads; ${KILLS} kills, by the advisory lock and then (demo off, the Kubernetes API test double as the cluster) by the Lease. Targets: under 1 s; within the lease.`,
    "",
    "| measure | p50 | min | max |",
    "|---|---|---|---|",
    `| change through A → proxy on B | ${r.p50} ms | ${r.min} ms | ${r.max} ms |`,
    `| of which: A's answer to the PUT | ${q.p50} ms | ${q.min} ms | ${q.max} ms |`,
    `| leader killed → the other leads (advisory lock) | ${f.p50} ms | ${f.min} ms | ${f.max} ms |`,
    `| leader killed → the other leads (Kubernetes Lease, 15 s) | ${l.p50} ms | ${l.min} ms | ${l.max} ms |`,
    "",
    `All (ms): cross-replica ${reach.join(", ")}; failover ${failover.join(", ")}; Lease failover ${leaseFailover.join(", ")}.`,
  ];
  console.log(lines.join("\n"));
  recordResult("Replicas: cross-replica change and failover", lines);
} finally {
  await stopReplicas(replicas);
  await db.drop();
}

/** SIGKILL the leader `KILLS` times; how long until the other leads each time. The killed one is started again. */
async function failovers(replicas: Replica[], restart: () => Promise<Replica>): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    await until(async () => (await Promise.all(replicas.map(leads))).filter(Boolean).length === 1, 30_000, "one leader");
    const leader = (await leads(replicas[0]!)) ? replicas[0]! : replicas[1]!;
    const other = leader === replicas[0] ? replicas[1]! : replicas[0]!;
    const killed = Date.now();
    leader.proc.kill("SIGKILL");
    await leader.exited;
    await until(() => leads(other), 30_000, "takeover");
    out.push(Date.now() - killed);
    replicas[replicas.indexOf(leader)] = await restart();
  }
  return out;
}
