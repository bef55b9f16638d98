import type * as grpc from "@grpc/grpc-js";
import type { ClientKind, NodeInfo } from "./clients";
import type { EncodedResource, TypeUrl } from "./snapshot";

/**
 * The ADS server's streams: what each proxy asked for and was sent, per type (the state behind
 * `proxies()`, ACK/NACK bookkeeping and backlog limits), the requests it reads, and the limits it
 * keeps. See server.ts for the protocol.
 */
export interface TypeStatus {
  typeUrl: string;
  subscribed: string[] | "*";
  sentVersion?: string;
  sentNonce?: string;
  ackedVersion?: string;
  /** The last response of this type the proxy rejected: its nonce and version (what we sent), the error, the resources it names. */
  nack?: { nonce: string; version: string; message: string; at: string; resources: { name: string; message: string }[] };
  lastPush?: string;
}

export interface ProxyConnection {
  streamId: number;
  nodeId: string;
  client: ClientKind;
  /** What the proxy calls itself (node.user_agent_name): "envoy", "gRPC Node Pure JS", "sextant-demo-workload"... */
  userAgent: string;
  /** Bytes written to the stream that the proxy has not taken yet (a slow or stuck reader). */
  backlogBytes: number;
  cluster: string;
  connectedAt: string;
  types: TypeStatus[];
}

export interface DiscoveryRequest {
  version_info?: string;
  node?: NodeInfo & { cluster?: string };
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

export type Stream = grpc.ServerDuplexStream<DiscoveryRequest, unknown>;

export interface DeltaRequest {
  node?: NodeInfo & { cluster?: string };
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

export interface DeltaTypeState {
  wildcard: boolean;
  names: Set<string>;
  /** name -> version (content hash) the client holds. */
  known: Map<string, string>;
  started: boolean;
}

export interface StreamState {
  id: number;
  /** Incremental streams keep what each client holds, per type. */
  delta?: Map<TypeUrl, DeltaTypeState>;
  call: Stream;
  nodeId: string;
  cluster: string;
  client: ClientKind;
  userAgent: string;
  /** "<pod>.<namespace>" for sidecars that name their pod. */
  proxy?: string;
  connectedAt: Date;
  types: Map<TypeUrl, TypeStatus>;
  /** What was last sent per type, for the config dump and to tell what changed. */
  sent: Map<TypeUrl, EncodedResource[]>;
  /** The names in the last response per type, in its order (a NACK names resources by index). */
  sentOrder: Map<TypeUrl, string[]>;
  /** Requests for unserved types already answered (type and names). */
  unservedAnswered: Set<string>;
  /** Bytes written and not yet taken by the proxy; over BACKLOG_LIMIT, pushes wait for it to drain. */
  backlog: number;
  /** Types whose push waits for the backlog to drain (then the snapshot current at that time is sent). */
  held: Set<TypeUrl>;
  /** When the response awaiting an answer was written, per type (for the push-to-ACK latency). */
  sentAt: Map<TypeUrl, number>;
}


/** The most names a stream may subscribe to per type (a mesh's worth; 800k names had stalled the process). */
export const MAX_NAMES = 20_000;

/** The ADS server's own certificate and key, and the CA its clients' certificates must chain to (PEM). */
export interface XdsTls {
  cert: string;
  key: string;
  ca: string;
  /** When set, a client certificate's SPIFFE trust domain must be this one. */
  trustDomain?: string;
}

export class PermissionError extends Error {}

export class SubscriptionLimitError extends Error {
  constructor(type: string, n: number) {
    super(`a stream may subscribe to at most ${MAX_NAMES} names of ${type}; this one asked for ${n}`);
  }
}

/** Bytes a proxy may leave untaken before pushes to it wait (a few full snapshots of a large mesh). */
export const BACKLOG_LIMIT = 8 * 1024 * 1024;

/**
 * The resources a NACK's message names. gRPC's xDS clients say
 * "resource index N: <error>" for each rejected resource of the response;
 * Envoy names resources in its messages ("Proto constraint validation failed
 * (...)" / "cluster: <name> ..."), so any sent name it mentions is taken.
 */
export function rejectedResources(message: string, order: string[]): { name: string; message: string }[] {
  const out = new Map<string, string>();
  for (const m of message.matchAll(/resource index (\d+):\s*((?:(?!resource index \d+:)[\s\S])*)/g)) {
    const name = order[Number(m[1])];
    if (name !== undefined) out.set(name, m[2]!.replace(/[;\]\s]+$/, "").trim());
  }
  if (out.size === 0) for (const name of order) if (message.includes(name)) out.set(name, message);
  return [...out].map(([name, msg]) => ({ name, message: msg })).sort((a, b) => (a.name < b.name ? -1 : 1));
}
