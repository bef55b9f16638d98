import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { XdsEvents } from "../xds/events";

/**
 * Sextant's own telemetry, served at /metrics in Prometheus's text format (prom-client). Counters
 * and histograms are recorded where things happen (the route wrapper, the Prometheus client, the
 * xDS controller, Git exports); gauges of state (connected proxies, NACKs, informers, the
 * limiter's last cycle, leadership) are read from the runtime at scrape time. One registry per
 * process, kept on globalThis: Next.js bundles the route handlers and the runtime apart.
 */
export interface RuntimeView {
  proxies(): { client: string; nacked: string[] }[];
  informers(): { resource: string; namespace?: string; state: string }[];
  limiterCycleMs(): number | undefined;
  leader(): boolean;
  /** The xDS server's pushes, NACKs and push-to-ACK times since the last call. */
  xdsEvents?(): XdsEvents;
}

/** "type.googleapis.com/envoy.config.cluster.v3.Cluster" -> "Cluster". */
const shortType = (t: string) => t.slice(t.lastIndexOf(".") + 1);

function build() {
  const registry = new Registry();
  registry.setDefaultLabels({ app: "sextant" });
  let view: RuntimeView | undefined;
  const http = new Counter({ name: "sextant_http_requests_total", help: "API requests answered, by route, method and status.", labelNames: ["route", "method", "status"], registers: [registry] });
  const httpSeconds = new Histogram({ name: "sextant_http_request_duration_seconds", help: "API request latency, by route and method.", labelNames: ["route", "method"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  const prometheusSeconds = new Histogram({ name: "sextant_prometheus_query_duration_seconds", help: "Queries to Prometheus, by outcome.", labelNames: ["outcome"], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const snapshotSeconds = new Histogram({ name: "sextant_xds_snapshot_build_duration_seconds", help: "Time to build an xDS snapshot from the mesh and the intents.", buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  const pushes = new Counter({ name: "sextant_xds_snapshots_total", help: "xDS snapshots published to the proxies (each push to a proxy follows one), by outcome.", labelNames: ["outcome"], registers: [registry] });
  // Pushes, NACKs and ACK times happen on the data plane's thread: taken from it at scrape time,
  // each observed once, whichever of the three metrics is collected first.
  const drain = () => {
    const e = view?.xdsEvents?.();
    if (!e) return;
    for (const [t, n] of Object.entries(e.pushes)) xdsPushes.inc({ type: shortType(t) }, n);
    for (const [t, n] of Object.entries(e.nacks)) xdsNacks.inc({ type: shortType(t) }, n);
    for (const [t, seconds] of e.acks) xdsAckSeconds.observe({ type: shortType(t) }, seconds);
  };
  const xdsPushes = new Counter({ name: "sextant_xds_pushes_total", help: "xDS responses sent to proxies, by resource type.", labelNames: ["type"], registers: [registry], collect: drain });
  const xdsNacks = new Counter({ name: "sextant_xds_nacks_total", help: "xDS responses proxies rejected (NACK), by resource type.", labelNames: ["type"], registers: [registry], collect: drain });
  const xdsAckSeconds = new Histogram({ name: "sextant_xds_push_ack_duration_seconds", help: "From an xDS response written to the proxy's ACK of it, by resource type.", labelNames: ["type"], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry], collect: drain });
  const gitExports = new Counter({ name: "sextant_gitops_exports_total", help: "Exports to Git targets, by result (committed, nothing, failed).", labelNames: ["result"], registers: [registry] });
  new Gauge({
    name: "sextant_xds_connected_proxies",
    help: "xDS streams connected now, by client kind (envoy, proxyless).",
    labelNames: ["client"],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of view?.proxies() ?? []) this.inc({ client: p.client });
    },
  });
  new Gauge({
    name: "sextant_xds_nacked_proxies",
    help: "Proxies whose last answer to a resource type was a NACK, by type.",
    labelNames: ["type"],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of view?.proxies() ?? []) for (const t of p.nacked) this.inc({ type: t });
    },
  });
  new Gauge({
    name: "sextant_kube_informer_synced",
    help: "Each Kubernetes informer: 1 when synced, 0 otherwise.",
    labelNames: ["resource", "namespace", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const i of view?.informers() ?? []) this.set({ resource: i.resource, namespace: i.namespace ?? "", state: i.state }, i.state === "synced" ? 1 : 0);
    },
  });
  new Gauge({
    name: "sextant_limiter_cycle_duration_seconds",
    help: "Duration of the last evaluation of every SmartLimiter.",
    registers: [registry],
    collect() {
      const ms = view?.limiterCycleMs();
      if (ms !== undefined) this.set(ms / 1000);
    },
  });
  new Gauge({
    name: "sextant_leader",
    help: "1 when this process runs the writers (limiter evaluation, auto-apply, auto-export).",
    registers: [registry],
    collect() {
      this.set(view === undefined ? 0 : view.leader() ? 1 : 0);
    },
  });
  return {
    registry,
    attach: (v: RuntimeView) => (view = v),
    request: (route: string, method: string, status: number, seconds: number) => {
      http.inc({ route, method, status: String(status) });
      httpSeconds.observe({ route, method }, seconds);
    },
    prometheusQuery: (seconds: number, ok: boolean) => prometheusSeconds.observe({ outcome: ok ? "ok" : "error" }, seconds),
    snapshotBuilt: (seconds: number | undefined, ok: boolean) => {
      pushes.inc({ outcome: ok ? "ok" : "error" });
      if (seconds !== undefined) snapshotSeconds.observe(seconds);
    },
    gitExport: (result: string) => gitExports.inc({ result }),
  };
}

export type Telemetry = ReturnType<typeof build>;
const KEY = Symbol.for("sextant.telemetry");
const g = globalThis as { [KEY]?: Telemetry };

/** The process's telemetry. */
export function telemetry(): Telemetry {
  return (g[KEY] ??= build());
}
