/**
 * Load on the production server (`next start`, demo mesh on, PostgreSQL): 50 users' API traffic
 * for 60 s while 500 xDS streams stay connected, first on one replica, then on two replicas of
 * one PostgreSQL (users and streams split between them).
 *  - A user is a browser tab: a request, then 0.5-1.5 s of thinking, for 60 s. Its requests, in
 *    turn: the graph (two kinds), services, proxies, intents, objects, limiters; one in 25 is an
 *    apply (a traffic shift of reviews, with the revision last read; a 409 because another user
 *    applied first is the right answer and is counted apart, then the user reads again).
 *  - 500 ADS streams (25 connections x 20 streams, each a sidecar watching reviews' routes, each
 *    answer acknowledged; in a process of their own, bench/load/streams.ts) are open before the users start; every apply pushes to all of them.
 * Measured: latency of every API answer (p50/p95/p99 by kind), errors (5xx, refused, other
 * non-2xx), streams that broke, resident memory of each replica (sampled every 2 s: max and end).
 * Target (issue 16): p99 under 500 ms, no errors.
 * Command: npx next build && npx tsx bench/load/run.ts
 */
import { execFileSync, spawn } from "node:child_process";
import readline from "node:readline";
import { type Replica, startReplica, stopReplicas } from "../../server/testing/replicas";
import { createPostgresDatabase } from "../../server/testing/postgres";
import { recordResult } from "../lib/results";

const USERS = Number(process.env.USERS ?? 50);
const STREAMS = Number(process.env.STREAMS ?? 500);
const SECONDS = Number(process.env.SECONDS ?? 60);
const PER_CONNECTION = 20;
const READS = [
  "/api/graph?namespace=default&graphType=versionedApp&duration=1m",
  "/api/services",
  "/api/proxies",
  "/api/intents",
  "/api/graph?namespace=default&graphType=service&duration=5m",
  "/api/objects",
  "/api/limiters",
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const rssMiB = (pid: number) => Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024;

/** The 500 streams, in their own process (bench/load/streams.ts); resolves once each has its first answer. */
async function openStreams(replicas: Replica[], count: number) {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/load/streams.ts", String(count), replicas.map((r) => r.xdsPort).join(",")], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? "{}") as Record<string, number | boolean>;
  if (!(await next()).ready) throw new Error("the xDS streams did not open");
  return {
    stats: async () => {
      child.stdin!.write("stats\n");
      return (await next()) as { broken: number; pushes: number };
    },
    close: async () => {
      child.stdin!.write("close\n");
      await new Promise((r) => child.on("exit", r));
    },
  };
}

async function phase(replicas: Replica[]) {
  const streams = await openStreams(replicas, STREAMS);
  const lat: Record<string, number[]> = { read: [], apply: [] };
  const byPath: Record<string, number[]> = {};
  let errors = 0;
  let conflicts = 0;
  const errorSamples: string[] = [];
  const memory = new Map(replicas.map((r) => [r.port, [] as number[]]));
  const sampler = setInterval(() => replicas.forEach((r) => memory.get(r.port)!.push(rssMiB(r.proc.pid!))), 2000);
  const end = Date.now() + SECONDS * 1000;
  let revision = (await (await fetch(`${replicas[0]!.url}/api/intents`)).json() as { intents: { target: string; revision: number }[] }).intents.find((i) => i.target === "reviews")?.revision ?? 0;
  const user = async (u: number) => {
    const base = replicas[u % replicas.length]!.url;
    await new Promise((r) => setTimeout(r, Math.random() * 1000));
    for (let n = u; Date.now() < end; n++) {
      const apply = n % 25 === 24;
      const path = apply ? "PUT /api/intents" : READS[n % READS.length]!;
      const t0 = performance.now();
      let status = 0;
      try {
        if (apply) {
          const a = Math.floor(Math.random() * 101);
          const res = await fetch(`${base}/api/intents`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: a }, { subset: "v2", weight: 100 - a }] } }, expectedRevision: revision }) });
          status = res.status;
          const body = (await res.json()) as { intent?: { revision: number } };
          if (res.ok) revision = Math.max(revision, body.intent!.revision);
        } else {
          const res = await fetch(`${base}${path}`);
          status = res.status;
          const body = await res.arrayBuffer();
          if (path === "/api/intents" && res.ok) revision = Math.max(revision, (JSON.parse(Buffer.from(body).toString()) as { intents: { target: string; revision: number }[] }).intents.find((i) => i.target === "reviews")?.revision ?? 0);
        }
      } catch (e) {
        status = -1;
        if (errorSamples.length < 5) errorSamples.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const ms = performance.now() - t0;
      if (status === 409) conflicts++;
      else if (status < 200 || status >= 300) {
        errors++;
        if (errorSamples.length < 5 && status !== -1) errorSamples.push(`${path}: ${status}`);
      } else {
        lat[apply ? "apply" : "read"]!.push(ms);
        (byPath[path.split("&")[0]!] ??= []).push(ms);
      }
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
    }
  };
  await Promise.all(Array.from({ length: USERS }, (_, u) => user(u)));
  clearInterval(sampler);
  const s = await streams.stats();
  await streams.close();
  const all = [...lat.read!, ...lat.apply!];
  return { all, lat, byPath, errors, conflicts, errorSamples, streams: s, memory: [...memory.values()].map((m) => ({ max: Math.max(...m), end: m.at(-1)! })) };
}

const fmt = (xs: number[]) => `${pct(xs, 50).toFixed(0)} / ${pct(xs, 95).toFixed(0)} / ${pct(xs, 99).toFixed(0)} ms`;
const db = await createPostgresDatabase();
const replicas: Replica[] = [];
const rows: string[] = [];
const details: string[] = [];
try {
  for (const n of [1, 2]) {
    replicas.push(...(await Promise.all(Array.from({ length: n - replicas.length }, () => startReplica(db.url, { SEXTANT_LOG_LEVEL: "error" })))));
    // Warm-up (unmeasured): every route once on every replica.
    for (const r of replicas) for (const p of READS) await (await fetch(`${r.url}${p}`)).arrayBuffer();
    const res = await phase(replicas);
    const mem = res.memory.map((m) => `${m.max.toFixed(0)} MiB (end ${m.end.toFixed(0)})`).join("; ");
    rows.push(`| ${n} | ${res.all.length} | ${fmt(res.all)} | ${fmt(res.lat.read!)} | ${fmt(res.lat.apply!)} | ${res.errors} | ${res.conflicts} | ${res.streams.broken} of ${STREAMS} | ${res.streams.pushes} | ${mem} |`);
    details.push(`${n} replica(s), by route (p50 / p95 / p99): ${Object.entries(res.byPath).map(([p, xs]) => `${p} ${fmt(xs)}`).join("; ")}${res.errorSamples.length ? `; errors: ${res.errorSamples.join("; ")}` : ""}.`);
    console.log(rows.at(-1));
    console.log(details.at(-1));
  }
  const lines = [
    `Command: \`npx next build && npx tsx bench/load/run.ts\`. Production servers (\`next start\`, demo mesh on at 10 requests/s, data plane on its own thread) on one PostgreSQL 15 (127.0.0.1); the load generator on the same 2 cores. ${USERS} users for ${SECONDS} s, each a request then 0.5-1.5 s of thinking (graph of two kinds, services, proxies, intents, objects, limiters; every 25th an apply of a traffic shift with the revision last read: a 409 is counted apart); ${STREAMS} ADS streams (${PER_CONNECTION} per connection, sidecars watching reviews' routes, every answer acknowledged) open throughout. With two replicas, users and streams alternate between them. Target: p99 under 500 ms, no errors.`,
    "",
    "| replicas | answers | all p50 / p95 / p99 | reads | applies | errors | 409 (stale revision) | streams broken | xDS answers received | resident memory per replica (max) |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...details,
  ];
  recordResult("API under load with 500 xDS streams, one and two replicas", lines);
} finally {
  await stopReplicas(replicas);
  await db.drop();
}
