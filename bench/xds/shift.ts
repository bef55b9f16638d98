/**
 * From a weight change applied through the intents API to the demo mesh's real
 * traffic having moved: the embedded console runtime (database, demo mesh on
 * Sextant's xDS server, 100 requests/s), an intent applied as the PUT handler
 * applies it, then reviews' own request counters sampled every 10 ms; the time
 * is until the last request served by a version that should get nothing.
 * Alternates between all-to-v2 and all-to-v3, 8 changes.
 * Run: npx tsx bench/xds/shift.ts
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyIntent } from "../../server/intents/service";
import { intentDraftSchema } from "../../server/intents/schemas";
import { startRuntime, stopRuntime } from "../../server/runtime";
import { recordResult, stats } from "../lib/results";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-bench-shift-"));
const rt = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_RPS: "100", SEXTANT_LOG_LEVEL: "error" });
const served = async () => {
  const out: Record<string, number> = { v1: 0, v2: 0, v3: 0 };
  for (const r of await rt.demo!.telemetry.readings()) {
    if (r.name === "istio_requests_total" && r.labels.reporter === "destination" && String(r.labels.destination_app) === "reviews") out[String(r.labels.destination_version)]! += r.value;
  }
  return out;
};
await new Promise((r) => setTimeout(r, 3000)); // traffic flowing through xDS
const times: number[] = [];
let revision = 0;
for (let i = 0; i < 8; i++) {
  const target = i % 2 ? "v3" : "v2";
  const others = ["v1", "v2", "v3"].filter((v) => v !== target);
  const draft = intentDraftSchema.parse({ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: target, weight: 100 }] } });
  const t0 = performance.now();
  const { intent } = await applyIntent(rt.store.get().prisma, rt.registry.snapshot(), draft, { expectedRevision: revision, author: "bench" });
  rt.xds!.controller.schedule(); // what the PUT handler does after storing
  revision = intent.revision;
  let lastOld = t0;
  let prev = await served();
  const until = performance.now() + 3000;
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 10));
    const now = await served();
    if (others.some((v) => now[v]! > prev[v]!)) lastOld = performance.now();
    prev = now;
  }
  times.push(lastOld - t0);
  console.log(`change ${i + 1} (all to ${target}): old versions served their last request ${(lastOld - t0).toFixed(0)} ms after the apply`);
}
await stopRuntime();
fs.rmSync(dir, { recursive: true, force: true });
const s = stats(times);
const sorted = [...times].sort((a, b) => a - b);
recordResult("Weight change to moved traffic (demo on xDS)", [
  "Command: `npx tsx bench/xds/shift.ts`. The embedded console runtime with the demo mesh on Sextant's xDS server at 100 requests/s; a traffic-shift intent applied as the API handler applies it (validate, store, schedule the xDS rebuild; 100 ms debounce); reviews' own request counters sampled every 10 ms; the time until the last request served by a version that should receive nothing (includes requests already in flight). 8 changes, alternating all-to-v2 and all-to-v3. Target: within 1 s.",
  "",
  "| p50 | max | all (ms) |",
  "|---|---|---|",
  `| ${s.p50.toFixed(0)} ms | ${s.max.toFixed(0)} ms | ${sorted.map((t) => t.toFixed(0)).join(", ")} |`,
]);
process.exit(0);
