import type { RateSample } from "../source";
import type { Protocol } from "./types";

/**
 * Raw rate samples turned into traffic records, de-duplicated between the two
 * reporters. Istio counts a request inside the mesh twice: at the source's
 * sidecar (reporter="source") and at the destination's (reporter="destination").
 * For each (source workload, destination service, destination workload,
 * protocol) we keep one side: the source's when it reported (it also sees
 * requests that failed before reaching the destination), otherwise the
 * destination's (traffic from outside the mesh or from pods without sidecars).
 */

/** The labels every graph query groups by. */
export const EDGE_LABELS = [
  "source_workload",
  "source_workload_namespace",
  "source_app",
  "source_version",
  "destination_workload",
  "destination_workload_namespace",
  "destination_app",
  "destination_version",
  "destination_service_name",
  "destination_service_namespace",
  "reporter",
] as const;

export const REQUEST_LABELS = [...EDGE_LABELS, "request_protocol", "response_code", "grpc_response_status", "response_flags"] as const;
export const LATENCY_LABELS = [...EDGE_LABELS, "request_protocol"] as const;

export interface Peer {
  namespace: string;
  workload: string;
  app: string;
  version: string;
}

export interface Traffic {
  key: string;
  reporter: "source" | "destination";
  /** The sample's labels; peers are read from them once per flow (see flowEnds). */
  labels: Record<string, string>;
  protocol: Protocol;
  responseCode: string;
  grpcStatus: string;
  responseFlags: string;
  /** Requests per second, or bytes per second for TCP. */
  rate: number;
}

export const UNKNOWN = "unknown";

const clean = (v: string | undefined) => (v === undefined || v === "" ? UNKNOWN : v);

export function peer(labels: Record<string, string>, side: "source" | "destination"): Peer {
  return {
    namespace: clean(labels[`${side}_workload_namespace`]),
    workload: clean(labels[`${side}_workload`]),
    app: clean(labels[`${side}_app`]),
    version: clean(labels[`${side}_version`]),
  };
}

export function protocolOf(labels: Record<string, string>, tcp: boolean): Protocol {
  if (tcp) return "tcp";
  return labels.request_protocol === "grpc" ? "grpc" : "http";
}

/** The identity of one flow of traffic, independent of who reported it. (Hot path: no intermediate objects.) */
export function trafficKey(l: Record<string, string>, protocol: Protocol): string {
  return (
    clean(l.source_workload_namespace) + "|" + clean(l.source_workload) + "|" + clean(l.destination_service_namespace) + "|" +
    clean(l.destination_service_name) + "|" + clean(l.destination_workload_namespace) + "|" + clean(l.destination_workload) + "|" + protocol
  );
}

export function toTraffic(samples: RateSample[], tcp: boolean): Traffic[] {
  return samples
    .filter((s) => Number.isFinite(s.value) && s.value >= 0)
    .map((s) => {
      const protocol = protocolOf(s.labels, tcp);
      return {
        key: trafficKey(s.labels, protocol),
        reporter: s.labels.reporter === "source" ? "source" : "destination",
        labels: s.labels,
        protocol,
        responseCode: s.labels.response_code ?? "",
        grpcStatus: s.labels.grpc_response_status ?? "",
        responseFlags: s.labels.response_flags ?? "",
        rate: s.value,
      };
    });
}

/** Who talks to whom in a flow (computed once per flow, not per sample). */
export function flowEnds(t: Traffic): { source: Peer; destination: Peer; service: { namespace: string; name: string } } {
  return {
    source: peer(t.labels, "source"),
    destination: peer(t.labels, "destination"),
    service: { namespace: clean(t.labels.destination_service_namespace), name: clean(t.labels.destination_service_name) },
  };
}

/** Keeps one reporter per traffic key (see above); returns the records kept and the reporter chosen per key. */
export function dedupe(records: Traffic[]): { kept: Traffic[]; reporterOf: Map<string, "source" | "destination"> } {
  const reporterOf = new Map<string, "source" | "destination">();
  for (const r of records) {
    if (r.reporter === "source" || !reporterOf.has(r.key)) reporterOf.set(r.key, r.reporter);
  }
  return { kept: records.filter((r) => reporterOf.get(r.key) === r.reporter), reporterOf };
}

const FLOW_FIELDS = ["source_workload_namespace", "source_workload", "destination_service_namespace", "destination_service_name", "destination_workload_namespace", "destination_workload"] as const;

/**
 * Flow key -> value, looked up by a sample's labels without building the key
 * string: a trie of small Maps, one level per flow label. The graph joins
 * tens of thousands of latency samples to their flows; concatenating and
 * hashing a long key for each was a fifth of the builder's time.
 */
export class FlowIndex<T> {
  private readonly root = new Map<string, unknown>();

  set(labels: Record<string, string>, protocol: Protocol, value: T): void {
    let level = this.root;
    for (const f of FLOW_FIELDS) {
      const k = clean(labels[f]);
      let next = level.get(k) as Map<string, unknown> | undefined;
      if (!next) level.set(k, (next = new Map()));
      level = next;
    }
    level.set(protocol, value);
  }

  get(labels: Record<string, string>, protocol: Protocol): T | undefined {
    let level: Map<string, unknown> | undefined = this.root;
    for (const f of FLOW_FIELDS) {
      level = level.get(clean(labels[f])) as Map<string, unknown> | undefined;
      if (!level) return undefined;
    }
    return level.get(protocol) as T | undefined;
  }
}
