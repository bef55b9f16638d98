/**
 * The mesh model: what Sextant knows about the mesh, independent of where it
 * came from (Kubernetes, the built-in demo). Registry sources produce it;
 * translators, the graph and the UI read it. Plain data, no behaviour.
 */

/** Port protocols as Istio names them (from the port name prefix or appProtocol). */
export type PortProtocol = "HTTP" | "HTTP2" | "GRPC" | "TCP" | "TLS" | "HTTPS" | "MONGO" | "REDIS" | "MYSQL" | "UDP";

export interface ServicePort {
  name: string;
  /** The port clients dial on the service's address (Kubernetes `port`). */
  port: number;
  protocol: PortProtocol;
  /** The port name on the pod this service port forwards to (Kubernetes `targetPort`, by name). */
  targetPortName: string;
}

export interface Service {
  namespace: string;
  name: string;
  /** Fully-qualified host, e.g. reviews.default.svc.cluster.local. */
  hostname: string;
  labels: Record<string, string>;
  /** Pods whose labels include all of these are this service's endpoints. */
  selector: Record<string, string>;
  ports: ServicePort[];
}

export interface Workload {
  namespace: string;
  /** e.g. reviews-v2 (the Deployment's name). */
  name: string;
  kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Pod";
  labels: Record<string, string>;
  serviceAccount: string;
}

export interface EndpointPort {
  name: string;
  port: number;
}

/** One pod's address: where a service's traffic actually lands. */
export interface Endpoint {
  namespace: string;
  pod: string;
  workload: string;
  address: string;
  ports: EndpointPort[];
  labels: Record<string, string>;
  ready: boolean;
}

/** Everything the registry knows at one moment. Immutable once published. */
export interface MeshSnapshot {
  /** Increases by one on every change; lets readers tell snapshots apart cheaply. */
  revision: number;
  namespaces: string[];
  services: Service[];
  workloads: Workload[];
  endpoints: Endpoint[];
}

/** Istio's labels for an app and its version (the subset key). */
export const APP_LABEL = "app";
export const VERSION_LABEL = "version";

export function serviceHostname(name: string, namespace: string, domain = "cluster.local"): string {
  return `${name}.${namespace}.svc.${domain}`;
}

export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}
