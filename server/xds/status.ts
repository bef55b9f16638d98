import { NotFoundError, UnavailableError } from "../errors";
import type { Runtime } from "../runtime";
import { TYPE, messageType } from "./protos";
import type { ProxyConnection, TypeStatus } from "./server";
import { XDS_TYPES } from "./snapshot";

/**
 * Proxy status, as `istioctl proxy-status` shows it: every connected proxy,
 * and per resource type SYNCED (the proxy ACKed what it was last sent),
 * STALE (sent, not yet ACKed), NACKED (rejected; the error the proxy gave),
 * NOT SENT (never asked for or nothing to send).
 */
export type SyncState = "SYNCED" | "STALE" | "NACKED" | "NOT SENT";

export const TYPE_NAMES: Record<string, "listener" | "route" | "cluster" | "endpoint"> = {
  [TYPE.listener]: "listener",
  [TYPE.route]: "route",
  [TYPE.cluster]: "cluster",
  [TYPE.endpoint]: "endpoint",
};

/** Istio's node id: sidecar~10.1.2.3~reviews-v2-xyz.default~default.svc.cluster.local; anything else is kept as is. */
export function parseNodeId(id: string): { kind: string; ip?: string; pod?: string; namespace?: string } {
  const parts = id.split("~");
  if (parts.length === 4) {
    const [kind, ip, podNs] = parts as [string, string, string, string];
    const dot = podNs.lastIndexOf(".");
    return { kind, ip, pod: dot > 0 ? podNs.slice(0, dot) : podNs, namespace: dot > 0 ? podNs.slice(dot + 1) : undefined };
  }
  return { kind: "proxyless" };
}

export function syncState(t: TypeStatus | undefined): SyncState {
  if (!t?.sentVersion) return "NOT SENT";
  if (t.nack && t.nack.version !== t.ackedVersion) return "NACKED";
  return t.ackedVersion === t.sentVersion ? "SYNCED" : "STALE";
}

export function proxyStatus(rt: Runtime) {
  const xds = rt.xds;
  if (!xds) throw new UnavailableError("xDS server", "it is not running (see the log for why it could not start)");
  return {
    server: { port: xds.port, lastBuild: xds.controller.lastBuild },
    proxies: xds.server.proxies().map((p: ProxyConnection) => ({
      streamId: p.streamId,
      nodeId: p.nodeId,
      node: parseNodeId(p.nodeId),
      cluster: p.cluster,
      connectedAt: p.connectedAt,
      types: XDS_TYPES.map((type) => {
        const t = p.types.find((x) => x.typeUrl === type);
        return { type: TYPE_NAMES[type], state: syncState(t), sentVersion: t?.sentVersion ?? null, ackedVersion: t?.ackedVersion ?? null, error: t?.nack?.message ?? null, lastPush: t?.lastPush ?? null, subscribed: t?.subscribed ?? null };
      }),
    })),
  };
}

/** The resources a proxy was last sent, decoded to JSON (like istioctl proxy-config). */
export function proxyConfig(rt: Runtime, streamId: number, type: "listener" | "route" | "cluster" | "endpoint") {
  const sent = rt.xds?.server.sentTo(streamId);
  if (!sent) throw new NotFoundError(`proxy stream ${streamId}`);
  const typeUrl = Object.entries(TYPE_NAMES).find(([, n]) => n === type)![0] as (typeof XDS_TYPES)[number];
  const msg = messageType(typeUrl);
  return {
    streamId,
    type,
    resources: (sent.get(typeUrl) ?? []).map((r) => msg.toObject(msg.decode(r.any.value), { longs: String, enums: String, bytes: String, defaults: false })),
  };
}
