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
  source: Peer;
  destination: Peer;
  service: { namespace: string; name: string };
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

/** The identity of one flow of traffic, independent of who reported it. */
export function trafficKey(labels: Record<string, string>, protocol: Protocol): string {
  const s = peer(labels, "source");
  const d = peer(labels, "destination");
  return [s.namespace, s.workload, clean(labels.destination_service_namespace), clean(labels.destination_service_name), d.namespace, d.workload, protocol].join("|");
}

export function toTraffic(samples: RateSample[], tcp: boolean): Traffic[] {
  return samples
    .filter((s) => Number.isFinite(s.value) && s.value >= 0)
    .map((s) => {
      const protocol = protocolOf(s.labels, tcp);
      return {
        key: trafficKey(s.labels, protocol),
        reporter: s.labels.reporter === "source" ? "source" : "destination",
        source: peer(s.labels, "source"),
        destination: peer(s.labels, "destination"),
        service: { namespace: clean(s.labels.destination_service_namespace), name: clean(s.labels.destination_service_name) },
        protocol,
        responseCode: s.labels.response_code ?? "",
        grpcStatus: s.labels.grpc_response_status ?? "",
        responseFlags: s.labels.response_flags ?? "",
        rate: s.value,
      };
    });
}

/** Keeps one reporter per traffic key (see above); returns the records kept and the reporter chosen per key. */
export function dedupe(records: Traffic[]): { kept: Traffic[]; reporterOf: Map<string, "source" | "destination"> } {
  const reporterOf = new Map<string, "source" | "destination">();
  for (const r of records) {
    if (r.reporter === "source" || !reporterOf.has(r.key)) reporterOf.set(r.key, r.reporter);
  }
  return { kept: records.filter((r) => reporterOf.get(r.key) === r.reporter), reporterOf };
}
