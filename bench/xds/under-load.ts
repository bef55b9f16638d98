/**
 * xDS under API load, end to end on the production server (`next start`,
 * embedded defaults: demo mesh on Sextant's xDS server):
 *  - a proxyless gRPC client in this process (@grpc/grpc-js-xds, its own
 *    event loop) calls the demo's reviews through Sextant's xDS server every
 *    10 ms; its latency is the demo pods' (they answer in the server process);
 *  - 20 API clients loop over the console's API (graph, services, intents,
 *    objects, proxies, limiters, previews) as fast as answers come;
 *  - every 2 s a weight change (all to v2, then all to v3) is PUT through the
 *    API; the time from sending the PUT to the client's first call answered
 *    by the new version is "weight change -> client".
 * Phases: quiet (no API clients), then loaded; each after one unmeasured
 * change (the first apply also warms the server's code paths). Run twice in
 * one invocation, with the data plane inline on the console's thread and on
 * its own (SEXTANT_DATAPLANE), so the two compare on the same machine state.
 * Target: loaded p99 < 500 ms.
 * Run after `npx next build`: npx tsx bench/xds/under-load.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { bookinfoServiceDefinitions } from "../../server/demo/proto";
import { freePort } from "../../server/testing/prometheus";
import { recordResult } from "../lib/results";

const CLIENTS = Number(process.env.API_CLIENTS ?? 20);
const CHANGES = Number(process.env.CHANGES ?? 12);
const root = path.resolve(import.meta.dirname, "..", "..");

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function run(mode: "inline" | "worker", xdsPort: number) {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-bench-load-"));
  const server: ChildProcess = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: { ...process.env, SEXTANT_DATA_DIR: dataDir, SEXTANT_XDS_PORT: String(xdsPort), SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error", SEXTANT_DATAPLANE: mode },
    stdio: "ignore",
  });
  const base = `http://127.0.0.1:${port}`;

  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error("the console did not start");
      if (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The process's xDS client is bootstrapped once (below, before the runs); each run's server listens on the same port.
    const client = new grpc.Client("xds:///reviews.default.svc.cluster.local:9080", grpc.credentials.createInsecure());
    const def = bookinfoServiceDefinitions().reviews.GetReviews!;
    const call = () =>
      new Promise<{ pod: string; ms: number }>((resolve) => {
        const t = performance.now();
        client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, { productId: 1 }, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err, res) =>
          resolve({ pod: err ? `error ${err.code}` : (res as { podname: string }).podname, ms: performance.now() - t }),
        );
      });
    while (!(await call()).pod.startsWith("reviews-")) await new Promise((r) => setTimeout(r, 200));

    // The client calls every 10 ms for the whole run.
    let latest = { pod: "", at: 0 };
    const latencies: number[] = [];
    let calling = true;
    const caller = (async () => {
      while (calling) {
        const r = await call();
        latest = { pod: r.pod, at: performance.now() };
        latencies.push(r.ms);
        await new Promise((res) => setTimeout(res, 10));
      }
    })();

    let revision = 0;
    let apiCalls = 0;
    let apiErrors = 0;
    const apply = async (version: string) => {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/intents`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: version, weight: 100 }] } }, expectedRevision: revision }),
      });
      const body = (await res.json()) as { intent?: { revision: number }; error?: { message: string } };
      if (!res.ok) throw new Error(`apply answered ${res.status}: ${body.error?.message}`);
      revision = body.intent!.revision;
      while (!(latest.pod.startsWith(`reviews-${version}`) && latest.at > t0)) await new Promise((r) => setTimeout(r, 2));
      return latest.at - t0;
    };
    const phase = async (name: string, clients: number) => {
      latencies.length = 0;
      let running = true;
      const paths = [
        "/api/graph?namespace=default&graphType=versionedApp&duration=1m&responseTime=p95",
        "/api/graph?namespace=default&graphType=service&duration=5m",
        "/api/services",
        "/api/intents",
        "/api/objects",
        "/api/proxies",
        "/api/limiters",
        "/api/health",
      ];
      const loops = Array.from({ length: clients }, async (_, i) => {
        for (let n = i; running; n++) {
          const p = paths[n % paths.length]!;
          const r = await fetch(`${base}${p}`).catch(() => undefined);
          apiCalls++;
          if (!r?.ok) apiErrors++;
          await r?.arrayBuffer();
        }
      });
      await new Promise((r) => setTimeout(r, 1500));
      await apply("v1"); // unmeasured: warms the paths a change takes
      await new Promise((r) => setTimeout(r, 1000));
      const changes: number[] = [];
      for (let i = 0; i < CHANGES; i++) {
        changes.push(await apply(i % 2 ? "v3" : "v2"));
        await new Promise((r) => setTimeout(r, 2000));
      }
      running = false;
      await Promise.all(loops);
      const out = { name, changes, callP50: pct(latencies, 50), callP99: pct(latencies, 99), calls: latencies.length };
      console.log(`${name}: change -> client p50 ${pct(changes, 50).toFixed(0)} ms, p99 ${pct(changes, 99).toFixed(0)} ms, max ${Math.max(...changes).toFixed(0)}; demo call p50 ${out.callP50.toFixed(1)} ms, p99 ${out.callP99.toFixed(1)} ms (${out.calls} calls)`);
      return out;
    };
    const quiet = await phase(`${mode}: quiet`, 0);
    apiCalls = 0;
    const t = performance.now();
    const loaded = await phase(`${mode}: ${CLIENTS} API clients`, CLIENTS);
    const apiRate = apiCalls / ((performance.now() - t) / 1000);
    console.log(`API: ${apiCalls} calls (${apiRate.toFixed(0)}/s), ${apiErrors} not ok`);
    console.log("stopping");
    calling = false;
    // A call still waiting for a deadline is not waited for.
    await Promise.race([caller, new Promise((r) => setTimeout(r, 6000))]);
    client.close();
    return { quiet, loaded, apiRate, apiErrors };
  } finally {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      const timer = setTimeout(() => server.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// grpc-js-xds reads its bootstrap once per process: both runs' servers listen on the same xDS port, one after the other.
const xdsPort = await freePort();
process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
  xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
  node: { id: "bench-under-load", cluster: "bench", locality: {} },
});
xds.register();
const inline = await run("inline", xdsPort);
const worker = await run("worker", xdsPort);
const row = (p: typeof inline.quiet) => `| ${p.name} | ${pct(p.changes, 50).toFixed(0)} ms | ${pct(p.changes, 99).toFixed(0)} ms | ${p.callP50.toFixed(1)} ms | ${p.callP99.toFixed(1)} ms |`;
recordResult("xDS under API load", [
  `Command: \`npx next build && npx tsx bench/xds/under-load.ts\`. The production server (\`next start\`, embedded defaults: demo mesh at 10 requests/s on Sextant's xDS server), run twice: the data plane (xDS server, demo mesh) inline on the console's thread, then on its own thread (the default). A proxyless gRPC client in the benchmark process (@grpc/grpc-js-xds) calls the demo's reviews through Sextant's xDS server every 10 ms. ${CLIENTS} API clients loop over graph (two types), services, intents, objects, proxies, limiters, health as fast as answers come (inline ${inline.apiRate.toFixed(0)} requests/s, worker ${worker.apiRate.toFixed(0)} requests/s; ${inline.apiErrors + worker.apiErrors} not ok). ${CHANGES} weight changes per phase, 2 s apart, PUT through the API (all to v2, all to v3), after one unmeasured change; "change -> client": from sending the PUT to the client's first call answered by the new version. Target: p99 under 500 ms with the API clients running.`,
  "",
  "| run | change -> client p50 | p99 | demo call p50 | p99 |",
  "|---|---|---|---|---|",
  row(inline.quiet),
  row(inline.loaded),
  row(worker.quiet),
  row(worker.loaded),
]);
process.exit(0);
