import { configTable } from "./dump";
import { NotFoundError, UnavailableError } from "../errors";
import type { Runtime } from "../runtime";
import { TYPE } from "./protos";
import type { ProxyConnection, TypeStatus } from "./server";
import { XDS_TYPES } from "./snapshot";
import { parseNodeId } from "./node";

export { parseNodeId };

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

export function syncState(t: TypeStatus | undefined): SyncState {
  if (!t?.sentVersion) return "NOT SENT";
  // NACKED while the response the proxy rejected is the latest one it was sent.
  if (t.nack && t.nack.nonce === t.sentNonce) return "NACKED";
  return t.ackedVersion === t.sentVersion ? "SYNCED" : "STALE";
}

/** What a proxy subscribes to: "*", or the first names and how many in all (a list can be long). */
export const SUBSCRIBED_SHOWN = 50;
function subscription(s: string[] | "*" | undefined): { subscribed: string[] | "*" | null; subscribedCount: number | null } {
  if (s === undefined) return { subscribed: null, subscribedCount: null };
  if (s === "*") return { subscribed: "*", subscribedCount: null };
  return { subscribed: s.slice(0, SUBSCRIBED_SHOWN), subscribedCount: s.length };
}

export function proxyStatus(rt: Runtime) {
  const xds = rt.xds;
  if (!xds) throw new UnavailableError("xDS server", "it is not running (see the log for why it could not start)");
  return {
    server: { port: xds.dataplane.xdsPort ?? xds.port, lastBuild: xds.controller.lastBuild },
    proxies: xds.dataplane.proxies().map((p: ProxyConnection) => ({
      streamId: p.streamId,
      nodeId: p.nodeId,
      client: p.client,
      userAgent: p.userAgent,
      backlogBytes: p.backlogBytes,
      node: parseNodeId(p.nodeId),
      cluster: p.cluster,
      connectedAt: p.connectedAt,
      types: XDS_TYPES.map((type) => {
        const t = p.types.find((x) => x.typeUrl === type);
        return { type: TYPE_NAMES[type], state: syncState(t), sentVersion: t?.sentVersion ?? null, ackedVersion: t?.ackedVersion ?? null, error: t?.nack?.message ?? null, rejected: t?.nack && syncState(t) === "NACKED" ? t.nack.resources : [], lastPush: t?.lastPush ?? null, ...subscription(t?.subscribed) };
      }),
    })),
  };
}

/** The resources a proxy was last sent, decoded to JSON (like istioctl proxy-config). */
export async function proxyConfig(rt: Runtime, streamId: number, type: "listener" | "route" | "cluster" | "endpoint") {
  const typeUrl = Object.entries(TYPE_NAMES).find(([, n]) => n === type)![0] as (typeof XDS_TYPES)[number];
  const resources = rt.xds ? await rt.xds.dataplane.config(streamId, typeUrl) : undefined;
  if (!resources) throw new NotFoundError(`proxy stream ${streamId}`);
  return { streamId, type, resources, table: configTable(type, resources) };
}

/**
 * Connected proxyless gRPC clients per service hostname (from the listeners
 * they subscribe to, "<hostname>:<port>"), named by their pod when their node
 * id names one: the clients SX3xx findings name.
 */
export function proxylessClients(proxies: ProxyConnection[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const p of proxies) {
    if (p.client !== "proxyless") continue;
    const node = parseNodeId(p.nodeId);
    const who = node.pod ? `${node.pod}${node.namespace ? `.${node.namespace}` : ""}` : p.nodeId;
    const listeners = p.types.find((t) => t.typeUrl === TYPE.listener)?.subscribed;
    for (const l of Array.isArray(listeners) ? listeners : []) {
      const host = l.slice(0, l.lastIndexOf(":"));
      (out.get(host) ?? out.set(host, new Set()).get(host)!).add(who);
    }
  }
  return new Map([...out].map(([h, s]) => [h, [...s].sort()]));
}
