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
    metrics: { status: PartStatus; kind: "prometheus" | "demo" | "none"; description: string; latencyMs?: number; error?: string };
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
    /** Which replica runs the writers: how it is elected ("alone", "postgres", "kubernetes-lease") and whether this one does. */
    leader: { status: "ok"; election: string; leading: boolean };
    /** Present when a cluster is configured: each informer's state (synced / relisting / failing, why). */
    kubernetes?: { status: PartStatus; context?: string; server?: string; error?: string; kinds: { resource: string; namespace?: string; state: string; error?: string; objects: number; relists: number; since: string }[] };
  };
}

export async function checkHealth(rt: Runtime): Promise<Health> {
  const mem = process.memoryUsage();
  const database = await rt.store.health();
  const snap = rt.registry.snapshot();
  const sources = rt.registry.sources();
  const failed = sources.filter((s) => s.state === "failed");
  const registry: Health["checks"]["registry"] = {
    status: failed.length > 0 ? "down" : sources.some((s) => s.state === "starting" || s.state === "relisting") ? "degraded" : "ok",
    revision: snap.revision,
    services: snap.services.length,
    workloads: snap.workloads.length,
    endpoints: snap.endpoints.length,
    readyEndpoints: snap.endpoints.filter((e) => e.ready).length,
    sources: sources.map((s) => ({ name: s.name, state: s.state, ...(s.error ? { error: s.error } : {}) })),
    ...(failed.length > 0
      ? { error: failed.map((s) => `source ${s.name} failed: ${s.error ?? "unknown error"}`).join("; ") }
      : sources.length === 0
        ? { error: "no registry source is configured (the demo mesh is off and no Kubernetes cluster is configured)" }
        : {}),
  };
  const metrics = await checkMetrics(rt);
  const kube = rt.kube?.status();
  const kubernetes: Health["checks"]["kubernetes"] = kube
    ? {
        status: kube.error || kube.kinds.some((k) => k.state === "failing") ? "down" : kube.kinds.some((k) => k.state !== "synced") ? "degraded" : "ok",
        ...kube,
      }
    : undefined;
  // Without metrics the graph is stale, but everything else works: degraded, not down.
  const parts: PartStatus[] = [database.status, registry.status, metrics.status === "down" ? "degraded" : metrics.status];
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
      metrics,
      registry,
      leader: { status: "ok", election: rt.leadership.kind, leading: rt.leadership.leading },
      ...(kubernetes ? { kubernetes } : {}),
    },
  };
}

async function checkMetrics(rt: Runtime): Promise<Health["checks"]["metrics"]> {
  const source = rt.traffic;
  if (!source) return { status: "degraded", kind: "none", description: "no metrics source", error: "set PROMETHEUS_URL, or turn the demo mesh on, to see traffic" };
  const started = performance.now();
  try {
    // The cheapest question that still goes all the way to the source.
    await source.rates({ metric: "istio_requests_total", match: { reporter: "destination", destination_workload: "sextant-health-probe" }, by: [], windowSeconds: 60 }, new Date());
    return { status: "ok", kind: source.kind, description: source.description, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (e) {
    return { status: "down", kind: source.kind, description: source.description, error: e instanceof Error ? e.message : String(e) };
  }
}
