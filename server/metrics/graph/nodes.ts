import { type Peer, UNKNOWN } from "./traffic";
import type { GraphNode, GraphType, NodeKind } from "./types";

/**
 * Which graph node stands for a workload, per graph type, and the node's
 * stable id. Falls back the way Kiali does: an app graph shows a workload
 * without an app label as a workload node; traffic whose destination workload
 * is unknown (no sidecar there, or outside the mesh) ends at a service node.
 */
export type NodeSeed = Omit<GraphNode, "traffic" | "health">;

export const UNKNOWN_NODE_ID = "unknown";

export const nsBoxId = (ns: string) => `box:ns:${ns}`;
export const appBoxId = (ns: string, app: string) => `box:app:${ns}:${app}`;
export const serviceNodeId = (ns: string, name: string) => `svc:${ns}:${name}`;

export function unknownNode(): NodeSeed {
  return { id: UNKNOWN_NODE_ID, kind: "unknown", label: "unknown", namespace: UNKNOWN };
}

export function serviceNode(namespace: string, name: string): NodeSeed {
  return { id: serviceNodeId(namespace, name), kind: "service", label: name, namespace, service: name };
}

function workloadNode(p: Peer): NodeSeed {
  return { id: `wl:${p.namespace}:${p.workload}`, kind: "workload", label: p.workload, namespace: p.namespace, workload: p.workload, app: known(p.app), version: known(p.version) };
}

const known = (v: string) => (v === UNKNOWN ? undefined : v);
const isIngress = (p: Peer) => /ingressgateway|ingress-gateway/.test(p.workload) || /ingressgateway/.test(p.app);

/** The node a peer maps to. `service` is the destination service, used when the destination workload is unknown. */
export function nodeFor(p: Peer, type: GraphType, service?: { namespace: string; name: string }): NodeSeed {
  if (p.workload === UNKNOWN) {
    if (service && service.name !== UNKNOWN) return serviceNode(service.namespace, service.name);
    return unknownNode();
  }
  let node: NodeSeed;
  switch (type) {
    case "workload":
      node = workloadNode(p);
      break;
    case "app":
      node = p.app === UNKNOWN ? workloadNode(p) : { id: `app:${p.namespace}:${p.app}`, kind: "app", label: p.app, namespace: p.namespace, app: p.app };
      break;
    case "versionedApp":
      node =
        p.app === UNKNOWN
          ? workloadNode(p)
          : p.version === UNKNOWN
            ? { id: `app:${p.namespace}:${p.app}`, kind: "app", label: p.app, namespace: p.namespace, app: p.app }
            : { id: `va:${p.namespace}:${p.app}:${p.version}`, kind: "versionedApp", label: `${p.app} ${p.version}`, namespace: p.namespace, app: p.app, version: p.version, workload: p.workload };
      break;
    case "service":
      // A source's "service" is its canonical service, i.e. its app.
      node = service ? serviceNode(service.namespace, service.name) : p.app === UNKNOWN ? workloadNode(p) : serviceNode(p.namespace, p.app);
      break;
  }
  return isIngress(p) ? { ...node, isIngress: true } : node;
}

export function kindLabel(kind: NodeKind): string {
  return { workload: "workload", app: "app", versionedApp: "versioned app", service: "service", unknown: "unknown", box: "group" }[kind];
}
