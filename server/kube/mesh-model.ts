import { type Endpoint, type PortProtocol, type Service, type ServicePort, type Workload, serviceHostname } from "../mesh/model";
import type { KubeObject } from "./reflector";

/**
 * Kubernetes objects of one namespace -> Sextant's mesh model, as Istio reads them. Pure.
 *  - Service ports: protocol from appProtocol, else the port name's prefix (`http`, `http-web`,
 *    `grpc-x`...), else TCP (Istio's protocol sniffing is not modelled); UDP from the port's protocol.
 *  - Workloads: Deployments, StatefulSets and DaemonSets (also at zero replicas), and pods nobody
 *    owns. A pod's workload comes from its owner: ReplicaSet `<deployment>-<pod-template-hash>` ->
 *    the Deployment (Istio's rule; the ReplicaSet itself need not be read).
 *  - Endpoints: pods with an IP, not being deleted; ports and readiness from the EndpointSlices
 *    that list them (else the pod's Ready condition).
 */
export interface NamespaceObjects {
  services: KubeObject[];
  endpointSlices: KubeObject[];
  pods: KubeObject[];
  deployments: KubeObject[];
  statefulSets: KubeObject[];
  daemonSets: KubeObject[];
}

export interface NamespaceModel {
  services: Service[];
  workloads: Workload[];
  endpoints: Endpoint[];
}

const PROTOCOLS: Record<string, PortProtocol> = { http: "HTTP", http2: "HTTP2", https: "HTTPS", grpc: "GRPC", "grpc-web": "GRPC", tcp: "TCP", tls: "TLS", mongo: "MONGO", redis: "REDIS", mysql: "MYSQL", udp: "UDP", "kubernetes.io/h2c": "HTTP2", "kubernetes.io/ws": "HTTP", "kubernetes.io/wss": "HTTPS" };

export function portProtocol(p: { name?: string; appProtocol?: string; protocol?: string }): PortProtocol {
  if (p.protocol === "UDP") return "UDP";
  if (p.appProtocol) {
    const a = PROTOCOLS[p.appProtocol.toLowerCase()];
    if (a) return a;
  }
  const name = (p.name ?? "").toLowerCase();
  if (name.startsWith("grpc-web")) return "GRPC";
  return PROTOCOLS[name.split("-")[0]!] ?? "TCP";
}

type Json = Record<string, unknown>;
const spec = (o: KubeObject) => (o.spec ?? {}) as Json;

function toService(o: KubeObject, domain: string): Service {
  const ports = ((spec(o).ports as Json[] | undefined) ?? []).map(
    (p): ServicePort => ({ name: String(p.name ?? ""), port: Number(p.port), protocol: portProtocol(p as never), targetPortName: String(p.name ?? "") }),
  );
  return {
    namespace: o.metadata.namespace!,
    name: o.metadata.name,
    hostname: serviceHostname(o.metadata.name, o.metadata.namespace!, domain),
    labels: { ...(o.metadata.labels ?? {}) },
    selector: { ...((spec(o).selector as Record<string, string> | undefined) ?? {}) },
    ports,
  };
}

function toWorkload(o: KubeObject, kind: Workload["kind"]): Workload {
  const template = (spec(o).template ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: { serviceAccountName?: string } };
  return { namespace: o.metadata.namespace!, name: o.metadata.name, kind, labels: { ...(template.metadata?.labels ?? {}) }, serviceAccount: template.spec?.serviceAccountName ?? "default" };
}

/** The workload a pod belongs to: its controller, with a ReplicaSet resolved to its Deployment. */
export function podWorkload(pod: KubeObject): { kind: Workload["kind"]; name: string } {
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return { kind: "Pod", name: pod.metadata.name };
  if (owner.kind === "ReplicaSet") {
    const hash = pod.metadata.labels?.["pod-template-hash"];
    if (hash && owner.name.endsWith(`-${hash}`)) return { kind: "Deployment", name: owner.name.slice(0, -hash.length - 1) };
    return { kind: "Deployment", name: owner.name };
  }
  if (owner.kind === "StatefulSet" || owner.kind === "DaemonSet") return { kind: owner.kind, name: owner.name };
  return { kind: "Pod", name: pod.metadata.name };
}

export function namespaceModel(objs: NamespaceObjects, domain = "cluster.local"): NamespaceModel {
  const services = objs.services.map((s) => toService(s, domain));
  const workloads = new Map<string, Workload>();
  for (const d of objs.deployments) workloads.set(d.metadata.name, toWorkload(d, "Deployment"));
  for (const d of objs.statefulSets) workloads.set(d.metadata.name, toWorkload(d, "StatefulSet"));
  for (const d of objs.daemonSets) workloads.set(d.metadata.name, toWorkload(d, "DaemonSet"));
  // Ports and readiness by pod, from every EndpointSlice that lists it.
  const slicePorts = new Map<string, Map<string, number>>();
  const sliceReady = new Map<string, boolean>();
  for (const s of objs.endpointSlices) {
    const ports = ((s.ports as Json[] | undefined) ?? []).filter((p) => typeof p.port === "number");
    for (const e of (s.endpoints as Json[] | undefined) ?? []) {
      const ref = e.targetRef as { kind?: string; name?: string } | undefined;
      if (ref?.kind !== "Pod" || !ref.name) continue;
      const m = slicePorts.get(ref.name) ?? new Map<string, number>();
      for (const p of ports) m.set(String(p.name ?? ""), Number(p.port));
      slicePorts.set(ref.name, m);
      const ready = (e.conditions as { ready?: boolean } | undefined)?.ready !== false;
      sliceReady.set(ref.name, (sliceReady.get(ref.name) ?? false) || ready);
    }
  }
  const endpoints: Endpoint[] = [];
  for (const pod of objs.pods) {
    const status = (pod.status ?? {}) as { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
    const owner = podWorkload(pod);
    if (owner.kind === "Pod" && !workloads.has(pod.metadata.name)) {
      workloads.set(pod.metadata.name, { namespace: pod.metadata.namespace!, name: pod.metadata.name, kind: "Pod", labels: { ...(pod.metadata.labels ?? {}) }, serviceAccount: String(spec(pod).serviceAccountName ?? "default") });
    }
    if (!status.podIP || pod.metadata.deletionTimestamp || status.phase === "Succeeded" || status.phase === "Failed") continue;
    const labels = { ...(pod.metadata.labels ?? {}) };
    delete labels["pod-template-hash"];
    const podReady = status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
    endpoints.push({
      namespace: pod.metadata.namespace!,
      pod: pod.metadata.name,
      workload: owner.name,
      address: status.podIP,
      ports: [...(slicePorts.get(pod.metadata.name) ?? new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, port]) => ({ name, port })),
      labels,
      ready: sliceReady.get(pod.metadata.name) ?? podReady,
    });
  }
  return { services, workloads: [...workloads.values()], endpoints };
}
