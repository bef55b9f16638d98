import { Counter, Histogram, Registry } from "prom-client";
import { status as GrpcStatus } from "@grpc/grpc-js";

/**
 * Istio's standard request metrics, recorded by the demo's workloads the way
 * Istio's sidecars record them: each request is counted by the destination
 * (reporter="destination") and, when the caller is in the mesh, by the source
 * (reporter="source"). Names, labels and buckets follow Istio's telemetry
 * (https://istio.io/latest/docs/reference/config/metrics/), so the graph and
 * any Prometheus query written for Istio work unchanged.
 */

export const ISTIO_LABELS = [
  "reporter",
  "source_workload",
  "source_workload_namespace",
  "source_principal",
  "source_app",
  "source_version",
  "source_canonical_service",
  "source_canonical_revision",
  "source_cluster",
  "destination_workload",
  "destination_workload_namespace",
  "destination_principal",
  "destination_app",
  "destination_version",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_canonical_service",
  "destination_canonical_revision",
  "destination_cluster",
  "request_protocol",
  "response_code",
  "grpc_response_status",
  "response_flags",
  "connection_security_policy",
] as const;

type LabelName = (typeof ISTIO_LABELS)[number];

/** Istio's default buckets for istio_request_duration_milliseconds. */
export const DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Istio's default buckets for the request/response size histograms. */
export const SIZE_BUCKETS_BYTES = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000];

export const CLUSTER = "Kubernetes";

/** A workload as a metric label set sees it. */
export interface Peer {
  workload: string;
  namespace: string;
  app: string;
  version: string;
  serviceAccount: string;
}

export interface DestinationService {
  hostname: string;
  name: string;
  namespace: string;
}

export interface RequestRecord {
  reporter: "source" | "destination";
  /** undefined: the caller is outside the mesh (Istio reports it as "unknown"). */
  source: Peer | undefined;
  destination: Peer;
  service: DestinationService;
  grpcCode: number;
  /** Envoy's response flags ("RL": refused by a rate limit); "-" when none. */
  responseFlags?: string;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
}

/**
 * Proxyless gRPC has no HTTP status of its own. We report the status an HTTP
 * gateway reports for the gRPC code (the grpc-gateway mapping), so HTTP-based
 * views (5xx/4xx error rates, Kiali's health) see gRPC failures too;
 * grpc_response_status keeps the real code.
 */
export function httpStatusForGrpc(code: number): number {
  switch (code) {
    case GrpcStatus.OK: return 200;
    case GrpcStatus.CANCELLED: return 499;
    case GrpcStatus.INVALID_ARGUMENT: case GrpcStatus.FAILED_PRECONDITION: case GrpcStatus.OUT_OF_RANGE: return 400;
    case GrpcStatus.DEADLINE_EXCEEDED: return 504;
    case GrpcStatus.NOT_FOUND: return 404;
    case GrpcStatus.ALREADY_EXISTS: case GrpcStatus.ABORTED: return 409;
    case GrpcStatus.PERMISSION_DENIED: return 403;
    case GrpcStatus.UNAUTHENTICATED: return 401;
    case GrpcStatus.RESOURCE_EXHAUSTED: return 429;
    case GrpcStatus.UNIMPLEMENTED: return 501;
    case GrpcStatus.UNAVAILABLE: return 503;
    default: return 500; // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

const principal = (p: Peer) => `spiffe://cluster.local/ns/${p.namespace}/sa/${p.serviceAccount}`;

/** The metrics of the demo mesh, kept in one Prometheus registry. */
export class MeshTelemetry {
  readonly registry = new Registry();
  private readonly requests: Counter<LabelName>;
  private readonly duration: Histogram<LabelName>;
  private readonly requestSize: Histogram<LabelName>;
  private readonly responseSize: Histogram<LabelName>;

  constructor() {
    const labelNames = [...ISTIO_LABELS];
    this.requests = new Counter({ name: "istio_requests_total", help: "Total requests.", labelNames, registers: [this.registry] });
    this.duration = new Histogram({ name: "istio_request_duration_milliseconds", help: "Request duration in milliseconds.", labelNames, buckets: DURATION_BUCKETS_MS, registers: [this.registry] });
    this.requestSize = new Histogram({ name: "istio_request_bytes", help: "Request body size in bytes.", labelNames, buckets: SIZE_BUCKETS_BYTES, registers: [this.registry] });
    this.responseSize = new Histogram({ name: "istio_response_bytes", help: "Response body size in bytes.", labelNames, buckets: SIZE_BUCKETS_BYTES, registers: [this.registry] });
  }

  record(r: RequestRecord): void {
    const labels = requestLabels(r);
    this.requests.inc(labels);
    this.duration.observe(labels, r.durationMs);
    this.requestSize.observe(labels, r.requestBytes);
    this.responseSize.observe(labels, r.responseBytes);
  }

  /** Every counter and histogram series as (name, labels, value): what a scrape would read. */
  async readings(): Promise<{ name: string; labels: Record<string, string | number>; value: number }[]> {
    const metrics = await this.registry.getMetricsAsJSON();
    return metrics.flatMap((m) =>
      (m.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]).map((v) => ({
        name: v.metricName ?? m.name,
        labels: v.labels,
        value: v.value,
      })),
    );
  }

  /** The Prometheus text exposition of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export function requestLabels(r: RequestRecord): Record<LabelName, string> {
  const s = r.source;
  const d = r.destination;
  return {
    reporter: r.reporter,
    source_workload: s?.workload ?? "unknown",
    source_workload_namespace: s?.namespace ?? "unknown",
    source_principal: s ? principal(s) : "unknown",
    source_app: s?.app ?? "unknown",
    source_version: s?.version ?? "unknown",
    source_canonical_service: s?.app ?? "unknown",
    source_canonical_revision: s?.version ?? "latest",
    source_cluster: s ? CLUSTER : "unknown",
    destination_workload: d.workload,
    destination_workload_namespace: d.namespace,
    destination_principal: principal(d),
    destination_app: d.app,
    destination_version: d.version,
    destination_service: r.service.hostname,
    destination_service_name: r.service.name,
    destination_service_namespace: r.service.namespace,
    destination_canonical_service: d.app,
    destination_canonical_revision: d.version,
    destination_cluster: CLUSTER,
    request_protocol: "grpc",
    response_code: String(httpStatusForGrpc(r.grpcCode)),
    grpc_response_status: String(r.grpcCode),
    response_flags: r.responseFlags ?? "-",
    // Sidecars on both ends: mutual TLS is what the destination sees; the source reports "unknown".
    connection_security_policy: r.reporter === "destination" ? (s ? "mutual_tls" : "none") : "unknown",
  };
}
