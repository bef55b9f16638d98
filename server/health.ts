import type { Runtime } from "./runtime";
import type { StoreHealth } from "./store/supervisor";

/**
 * What /api/health reports: each part of Sextant and whether it works.
 * "down" for any part makes the whole "down" (HTTP 503), so load balancers
 * and Kubernetes probes can act on it; the body says which part and why.
 */
export type PartStatus = "ok" | "degraded" | "down";

export interface Health {
  status: PartStatus;
  checkedAt: string;
  checks: {
    process: { status: "ok"; pid: number; node: string; uptimeSeconds: number; rssBytes: number; heapUsedBytes: number };
    database: StoreHealth;
    registry: {
      status: PartStatus;
      revision: number;
      services: number;
      workloads: number;
      endpoints: number;
      readyEndpoints: number;
      sources: { name: string; state: string; error?: string }[];
      error?: string;
    };
  };
}

export async function checkHealth(rt: Runtime): Promise<Health> {
  const mem = process.memoryUsage();
  const database = await rt.store.health();
  const snap = rt.registry.snapshot();
  const sources = rt.registry.sources();
  const failed = sources.filter((s) => s.state === "failed");
  const registry: Health["checks"]["registry"] = {
    status: failed.length > 0 ? "down" : sources.some((s) => s.state === "starting") ? "degraded" : "ok",
    revision: snap.revision,
    services: snap.services.length,
    workloads: snap.workloads.length,
    endpoints: snap.endpoints.length,
    readyEndpoints: snap.endpoints.filter((e) => e.ready).length,
    sources: sources.map((s) => ({ name: s.name, state: s.state, ...(s.error ? { error: s.error } : {}) })),
    ...(failed.length > 0
      ? { error: failed.map((s) => `source ${s.name} failed: ${s.error ?? "unknown error"}`).join("; ") }
      : sources.length === 0
        ? { error: "no registry source is configured (the demo mesh is off and no Kubernetes source exists yet)" }
        : {}),
  };
  const parts: PartStatus[] = [database.status, registry.status];
  return {
    status: parts.includes("down") ? "down" : parts.includes("degraded") ? "degraded" : "ok",
    checkedAt: new Date().toISOString(),
    checks: {
      process: {
        status: "ok",
        pid: process.pid,
        node: process.version,
        uptimeSeconds: Math.round(process.uptime()),
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
      },
      database,
      registry,
    },
  };
}
