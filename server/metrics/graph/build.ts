import type { MeshSnapshot } from "../../mesh/model";
import { histogramQuantiles } from "../histogram";
import type { RateSample } from "../source";
import { type CodeRates, type HealthRule, emptyCodeRates, healthOf, tolerancePicker, worst } from "./health";
import { type NodeSeed, appBoxId, nodeFor, nsBoxId, serviceNode } from "./nodes";
import { FlowIndex, type Traffic, UNKNOWN, dedupe, flowEnds, toTraffic } from "./traffic";
import type { Graph, GraphEdge, GraphNode, GraphType, Latency, NodeTraffic } from "./types";

/**
 * The graph builder: rate samples in, graph out. Pure (no I/O, no clock), so
 * the same samples always give the same bytes.
 */
export interface GraphSamples {
  /** istio_requests_total rates by REQUEST_LABELS. */
  requests: RateSample[];
  /**
   * istio_request_duration_milliseconds_bucket rates per flow, by
   * LATENCY_LABELS and `le`: an edge's quantiles come from its flows' buckets
   * merged (as Kiali's histogram_quantile over a sum by edge does), never from
   * averaging the flows' own quantiles (quantiles do not add up).
   */
  latencyBuckets: RateSample[];
  /** ..._sum and ..._count rates by LATENCY_LABELS (for the average). */
  latencySum: RateSample[];
  latencyCount: RateSample[];
  /** istio_tcp_sent_bytes_total / istio_tcp_received_bytes_total rates by EDGE_LABELS. */
  tcpSent: RateSample[];
  tcpReceived: RateSample[];
}

/** The latency quantiles the graph shows. */
export const QUANTILES = [0.5, 0.95, 0.99];

export interface BuildOptions {
  graphType: GraphType;
  namespaces: string[];
  windowSeconds: number;
  /** Show registry entries without traffic, and edges whose rate is zero in the window. */
  idle: boolean;
  /** Put a service node between caller and called workload (workload/app graphs). */
  injectServiceNodes: boolean;
  healthRules: HealthRule[];
  timestamp: Date;
  source: Graph["source"];
  mesh?: MeshSnapshot;
}

interface EdgeAcc {
  id: string;
  source: string;
  target: string;
  protocol: GraphEdge["protocol"];
  rps: number;
  errorRps: number;
  http5xx: number;
  http4xx: number;
  grpcErr: number;
  codes: Map<string, number>;
  grpcCodes: Map<string, number>;
  flags: Map<string, number>;
  health: CodeRates;
  /** The latency histogram of the flows on this edge: cumulative rate by upper bound (ms). */
  buckets: Map<number, number>;
  latencySum: number;
  latencyCount: number;
  tcpSent: number;
  tcpReceived: number;
  reporter: "source" | "destination";
}

export function buildGraph(samples: GraphSamples, opts: BuildOptions): Graph {
  const nodes = new Map<string, NodeSeed>();
  const edges = new Map<string, EdgeAcc>();
  /** traffic key -> edge ids it feeds (two with an injected service node). */
  const hopsOf = new Map<string, string[]>();
  const wanted = new Set(opts.namespaces);

  const addNode = (n: NodeSeed) => {
    const old = nodes.get(n.id);
    nodes.set(n.id, old ? { ...old, isIngress: old.isIngress || n.isIngress } : n);
    return n.id;
  };
  const edge = (source: string, target: string, t: Traffic): EdgeAcc => {
    const id = `${source}>${target}>${t.protocol}`;
    let e = edges.get(id);
    if (!e) {
      e = { id, source, target, protocol: t.protocol, rps: 0, errorRps: 0, http5xx: 0, http4xx: 0, grpcErr: 0, codes: new Map(), grpcCodes: new Map(), flags: new Map(), health: emptyCodeRates(), buckets: new Map(), latencySum: 0, latencyCount: 0, tcpSent: 0, tcpReceived: 0, reporter: t.reporter };
      edges.set(id, e);
    }
    return e;
  };
  const route = (t: Traffic): string[] => {
    const known = hopsOf.get(t.key);
    if (known) return known;
    const ends = flowEnds(t);
    const src = addNode(nodeFor(ends.source, opts.graphType));
    const service = ends.service.name === UNKNOWN ? undefined : ends.service;
    const dstSeed =
      opts.graphType === "service"
        ? service
          ? serviceNode(service.namespace, service.name)
          : nodeFor(ends.destination, "workload")
        : nodeFor(ends.destination, opts.graphType, service);
    const dst = addNode(dstSeed);
    let hops: string[];
    if (opts.injectServiceNodes && opts.graphType !== "service" && service && dstSeed.kind !== "service") {
      const svc = addNode(serviceNode(service.namespace, service.name));
      hops = [`${src}>${svc}>${t.protocol}`, `${svc}>${dst}>${t.protocol}`];
      edge(src, svc, t);
      edge(svc, dst, t);
    } else {
      hops = [`${src}>${dst}>${t.protocol}`];
      edge(src, dst, t);
    }
    hopsOf.set(t.key, hops);
    return hops;
  };

  // Requests.
  const { kept: requests } = dedupe(toTraffic(samples.requests, false));
  for (const t of requests) {
    for (const id of route(t)) {
      const e = edges.get(id)!;
      e.rps += t.rate;
      e.reporter = t.reporter;
      const code = t.responseCode || "0";
      add(e.codes, code, t.rate);
      if (t.protocol === "grpc" && t.grpcStatus !== "") add(e.grpcCodes, t.grpcStatus, t.rate);
      if (t.responseFlags && t.responseFlags !== "-") add(e.flags, t.responseFlags, t.rate);
      const http = Number(code);
      const grpcFailed = t.protocol === "grpc" && t.grpcStatus !== "" && t.grpcStatus !== "0";
      if (http >= 500) e.http5xx += t.rate;
      else if (http >= 400) e.http4xx += t.rate;
      if (grpcFailed) e.grpcErr += t.rate;
      if (http >= 400 || grpcFailed) e.errorRps += t.rate;
      if (t.protocol === "grpc") add(e.health.grpc, t.grpcStatus || "0", t.rate);
      else add(e.health.http, code, t.rate);
    }
  }

  // Latency, from the same reporter as the requests of each flow. An edge that
  // carries one flow (workload graphs) gets that flow's quantiles exactly; an
  // edge that aggregates flows (app graphs, injected service nodes) gets their
  // request-weighted mean, an approximation (quantiles do not add up).
  const flows = new FlowIndex<{ reporter: "source" | "destination"; hops: string[]; rate: number }>();
  for (const t of requests) {
    const f = flows.get(t.labels, t.protocol);
    if (f) f.rate += t.rate;
    else flows.set(t.labels, t.protocol, { reporter: t.reporter, hops: hopsOf.get(t.key)!, rate: t.rate });
  }
  const flowOf = (s: RateSample) => {
    const f = flows.get(s.labels, s.labels.request_protocol === "grpc" ? "grpc" : "http");
    return f && f.reporter === (s.labels.reporter === "source" ? "source" : "destination") ? f : undefined;
  };
  for (const s of samples.latencyBuckets) {
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    if (!Number.isFinite(s.value) || Number.isNaN(le)) continue;
    const f = flowOf(s);
    if (!f) continue;
    for (const id of f.hops) {
      const b = edges.get(id)!.buckets;
      b.set(le, (b.get(le) ?? 0) + s.value);
    }
  }
  for (const [list, field] of [
    [samples.latencySum, "latencySum"],
    [samples.latencyCount, "latencyCount"],
  ] as const) {
    for (const s of list) {
      const f = Number.isFinite(s.value) ? flowOf(s) : undefined;
      if (f) for (const id of f.hops) edges.get(id)![field] += s.value;
    }
  }

  // TCP bytes: each direction de-duplicated on its own.
  for (const [list, field] of [
    [samples.tcpSent, "tcpSent"],
    [samples.tcpReceived, "tcpReceived"],
  ] as const) {
    for (const t of dedupe(toTraffic(list, true)).kept) {
      for (const id of route(t)) {
        const e = edges.get(id)!;
        e[field] += t.rate;
        e.reporter = t.reporter;
      }
    }
  }

  // Idle edges: present in the metrics but without traffic in the window.
  for (const [id, e] of edges) {
    if (e.rps <= 0 && e.tcpSent <= 0 && e.tcpReceived <= 0 && !opts.idle) edges.delete(id);
  }
  const linked = new Set([...edges.values()].flatMap((e) => [e.source, e.target]));
  for (const id of nodes.keys()) if (!linked.has(id)) nodes.delete(id);

  // Registry entries without traffic.
  if (opts.idle && opts.mesh) {
    for (const seed of idleSeeds(opts.mesh, opts.graphType, wanted)) {
      if (!nodes.has(seed.id)) nodes.set(seed.id, { ...seed, isIdle: true });
    }
  }

  return assemble(nodes, edges, opts, wanted);
}

function idleSeeds(mesh: MeshSnapshot, type: GraphType, wanted: Set<string>): NodeSeed[] {
  if (type === "service") return mesh.services.filter((s) => wanted.has(s.namespace)).map((s) => serviceNode(s.namespace, s.name));
  return mesh.workloads
    .filter((w) => wanted.has(w.namespace))
    .map((w) => nodeFor({ namespace: w.namespace, workload: w.name, app: w.labels.app ?? UNKNOWN, version: w.labels.version ?? UNKNOWN }, type));
}

function assemble(seeds: Map<string, NodeSeed>, accs: Map<string, EdgeAcc>, opts: BuildOptions, wanted: Set<string>): Graph {
  const inbound = new Map<string, { rps: number; err: number; e5: number; e4: number; eg: number; tcp: number; health: CodeRates }>();
  const outbound = new Map<string, { rps: number; tcp: number }>();
  for (const e of accs.values()) {
    const i = inbound.get(e.target) ?? { rps: 0, err: 0, e5: 0, e4: 0, eg: 0, tcp: 0, health: emptyCodeRates() };
    i.rps += e.rps;
    i.err += e.errorRps;
    i.e5 += e.http5xx;
    i.e4 += e.http4xx;
    i.eg += e.grpcErr;
    i.tcp += e.tcpSent;
    for (const [c, v] of e.health.http) add(i.health.http, c, v);
    for (const [c, v] of e.health.grpc) add(i.health.grpc, c, v);
    inbound.set(e.target, i);
    const o = outbound.get(e.source) ?? { rps: 0, tcp: 0 };
    o.rps += e.rps;
    o.tcp += e.tcpSent;
    outbound.set(e.source, o);
  }

  const nodes: GraphNode[] = [];
  const boxes = new Map<string, GraphNode>();
  const zero: NodeTraffic = { inRps: 0, outRps: 0, inErrorPercent: 0, in5xxPercent: 0, in4xxPercent: 0, inGrpcErrorPercent: 0, tcpInBps: 0, tcpOutBps: 0 };
  const box = (id: string, boxType: "namespace" | "app", label: string, namespace: string, parent?: string) => {
    if (!boxes.has(id)) boxes.set(id, { id, kind: "box", boxType, label, namespace, ...(parent ? { parent } : {}), ...(boxType === "app" ? { app: label } : {}), traffic: zero, health: "na", ...(wanted.has(namespace) ? {} : { isOutside: true }) });
    return id;
  };
  const nodeHealth = new Map<string, GraphNode["health"]>();
  const tolerancesOf = tolerancePicker(opts.healthRules);
  for (const seed of seeds.values()) {
    const i = inbound.get(seed.id);
    const o = outbound.get(seed.id);
    const traffic: NodeTraffic = {
      inRps: round(i?.rps ?? 0),
      outRps: round(o?.rps ?? 0),
      inErrorPercent: pct(i?.err, i?.rps),
      in5xxPercent: pct(i?.e5, i?.rps),
      in4xxPercent: pct(i?.e4, i?.rps),
      inGrpcErrorPercent: pct(i?.eg, i?.rps),
      tcpInBps: round(i?.tcp ?? 0),
      tcpOutBps: round(o?.tcp ?? 0),
    };
    const health =
      seed.isIdle ? "idle" : seed.kind === "unknown" || !i ? "na" : healthOf(i.health, tolerancesOf({ namespace: seed.namespace, kind: seed.kind, name: seed.label }));
    nodeHealth.set(seed.id, health);
    let parent: string | undefined;
    if (seed.namespace !== UNKNOWN) {
      parent = box(nsBoxId(seed.namespace), "namespace", seed.namespace, seed.namespace);
      if (seed.kind === "versionedApp" && seed.app) parent = box(appBoxId(seed.namespace, seed.app), "app", seed.app, seed.namespace, parent);
    }
    nodes.push({
      ...seed,
      ...(parent ? { parent } : {}),
      ...(seed.namespace !== UNKNOWN && !wanted.has(seed.namespace) ? { isOutside: true } : {}),
      ...(i ? {} : seed.isIdle ? {} : { isRoot: true }),
      traffic,
      health,
    });
  }

  const edges: GraphEdge[] = [...accs.values()].map((e) => {
    const out = outbound.get(e.source);
    const target = seeds.get(e.target)!;
    const isTcp = e.protocol === "tcp";
    const [p50, p95, p99] = !isTcp && e.buckets.size > 0 ? histogramQuantiles(QUANTILES, e.buckets) : [null, null, null];
    const latency: Latency = {
      p50: roundOrNull(p50 ?? null),
      p95: roundOrNull(p95 ?? null),
      p99: roundOrNull(p99 ?? null),
      avg: !isTcp && e.latencyCount > 0 ? round(e.latencySum / e.latencyCount) : null,
    };
    const health = isTcp
      ? "na"
      : e.rps > 0
        ? healthOf(e.health, tolerancesOf({ namespace: target.namespace, kind: target.kind, name: target.label }))
        : "idle";
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      protocol: e.protocol,
      rps: round(e.rps),
      percent: isTcp ? pct(e.tcpSent, out?.tcp) : pct(e.rps, out?.rps),
      errorPercent: pct(e.errorRps, e.rps),
      http5xxPercent: pct(e.http5xx, e.rps),
      http4xxPercent: pct(e.http4xx, e.rps),
      grpcErrorPercent: pct(e.grpcErr, e.rps),
      responseCodes: sortedRates(e.codes),
      grpcCodes: sortedRates(e.grpcCodes),
      responseFlags: sortedRates(e.flags),
      latency,
      tcpSentBps: round(e.tcpSent),
      tcpReceivedBps: round(e.tcpReceived),
      reporter: e.reporter,
      health,
      ...(e.rps <= 0 && e.tcpSent <= 0 && e.tcpReceived <= 0 ? { isIdle: true } : {}),
    };
  });

  // A namespace box is as healthy as its worst member.
  for (const n of nodes) {
    for (let p = n.parent; p; p = boxes.get(p)?.parent) {
      const b = boxes.get(p)!;
      b.health = b.health === "na" ? (n.health === "idle" ? "na" : n.health) : worst(b.health, n.health === "idle" ? "na" : n.health);
    }
  }

  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    timestamp: opts.timestamp.toISOString(),
    windowSeconds: opts.windowSeconds,
    graphType: opts.graphType,
    namespaces: [...opts.namespaces].sort(),
    source: opts.source,
    nodes: [...nodes, ...boxes.values()].sort(byId),
    edges: edges.sort(byId),
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
function roundOrNull(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}
function pct(part: number | undefined, whole: number | undefined): number {
  return whole && whole > 0 ? Math.round(((part ?? 0) / whole) * 10000) / 100 : 0;
}
function sortedRates(r: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...r.keys()].sort()) out[k] = round(r.get(k)!);
  return out;
}
function add(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}
