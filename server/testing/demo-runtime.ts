import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Runtime, startRuntime, stopRuntime } from "../runtime";

/**
 * A console runtime with the demo mesh on Sextant's xDS server, in a fresh
 * data directory, for tests that watch the demo's real traffic move; and the
 * requests each reviews version served meanwhile (its own, destination-reported
 * counter).
 */
export async function startDemoRuntime(name: string, env: Record<string, string> = {}): Promise<{ rt: Runtime; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sextant-${name}-`));
  const rt = await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_RPS: "40", SEXTANT_LOG_LEVEL: "error", ...env });
  return {
    rt,
    stop: async () => {
      await stopRuntime();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Requests each reviews version has served so far. */
export async function reviewsServed(rt: Runtime): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await rt.demo!.telemetry.readings()) {
    if (r.name === "istio_requests_total" && r.labels.reporter === "destination" && String(r.labels.destination_app) === "reviews") {
      const v = String(r.labels.destination_version);
      out[v] = (out[v] ?? 0) + r.value;
    }
  }
  return out;
}

/** Requests each reviews version served during the next `ms`. */
export async function reviewsServedDuring(rt: Runtime, ms: number): Promise<{ v1: number; v2: number; v3: number }> {
  const a = await reviewsServed(rt);
  await new Promise((r) => setTimeout(r, ms));
  const b = await reviewsServed(rt);
  const delta = (v: string) => (b[v] ?? 0) - (a[v] ?? 0);
  return { v1: delta("v1"), v2: delta("v2"), v3: delta("v3") };
}
