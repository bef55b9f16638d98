/**
 * The benchmark's cluster: the Kubernetes API test double in its own process (so the console's
 * figures are its own), holding a synthetic mesh made from real objects: every Pod is a copy of
 * a Bookinfo pod as a real API server returned it (transcript 11), every EndpointSlice and
 * Service likewise. Commands over IPC: {cmd: "flip", i} makes pod i's endpoint unready/ready.
 */
import { bookinfoRecorded } from "../../server/testing/kube-api/bookinfo";
import { KubeApiDouble } from "../../server/testing/kube-api/server";
import type { Obj } from "../../server/testing/kube-api/store";

const SERVICES = Number(process.env.SERVICES ?? 1000);
const PODS_PER_SERVICE = Number(process.env.PODS ?? 5);
const NAMESPACES = 20;
const recorded = bookinfoRecorded();
const podTemplate = recorded.find((o) => o.kind === "Pod" && o.metadata.name.startsWith("reviews-v2"))!;
const sliceTemplate = recorded.find((o) => o.kind === "EndpointSlice" && o.metadata.name.startsWith("reviews"))!;

const api = new KubeApiDouble({ watchWindow: 1_000_000 });
await api.start();
const R = (g: string, p: string) => api.resource(g, p);
const slices: Obj[] = [];
for (let n = 0; n < NAMESPACES; n++) api.ensureNamespace(`ns-${n}`);
for (let s = 0; s < SERVICES; s++) {
  const ns = `ns-${s % NAMESPACES}`;
  const app = `svc-${String(s).padStart(4, "0")}`;
  api.store.put(R("", "services"), { apiVersion: "v1", kind: "Service", metadata: { name: app, namespace: ns, labels: { app, service: app } }, spec: { selector: { app }, ports: [{ name: "http", port: 9080, protocol: "TCP", targetPort: 9080 }], type: "ClusterIP", clusterIP: `10.96.${s >> 8}.${s & 255}` } }, "ADDED");
  const endpoints = [];
  for (const v of ["v1", "v2", "v3"]) {
    api.store.put(R("apps", "deployments"), { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: `${app}-${v}`, namespace: ns, labels: { app, version: v }, generation: 1 }, spec: { replicas: 1, selector: { matchLabels: { app, version: v } }, template: { metadata: { labels: { app, version: v } }, spec: { serviceAccountName: app, containers: [{ name: app, image: "docker.io/istio/examples-bookinfo-reviews-v2:1.20.3" }] } } } }, "ADDED");
  }
  for (let p = 0; p < PODS_PER_SERVICE; p++) {
    const v = ["v1", "v2", "v3"][p % 3]!;
    const name = `${app}-${v}-7zd9chv6l8-${String(p).padStart(5, "0")}`;
    const ip = `10.${100 + (s >> 8)}.${s & 255}.${p + 10}`;
    const pod = structuredClone(podTemplate) as Obj & { status: Record<string, unknown> };
    pod.metadata = { ...pod.metadata, name, namespace: ns, labels: { app, version: v, "pod-template-hash": "7zd9chv6l8" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-${v}-7zd9chv6l8`, uid: "0", controller: true, blockOwnerDeletion: true }] as never };
    pod.status = { ...pod.status, podIP: ip, podIPs: [{ ip }] };
    api.store.put(R("", "pods"), pod, "ADDED");
    endpoints.push({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: "node-1", targetRef: { kind: "Pod", namespace: ns, name, uid: "0" } });
  }
  const slice = structuredClone(sliceTemplate) as Obj;
  slice.metadata = { ...slice.metadata, name: `${app}-abcde`, namespace: ns, labels: { "kubernetes.io/service-name": app, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" }, ownerReferences: [] as never };
  slice.endpoints = endpoints;
  slices.push(api.store.put(R("discovery.k8s.io", "endpointslices"), slice, "ADDED"));
}

process.on("message", (m: { cmd: string; i: number }) => {
  if (m.cmd === "flip") {
    const s = slices[m.i]!;
    const eps = s.endpoints as { conditions: { ready: boolean } }[];
    eps[0]!.conditions.ready = !eps[0]!.conditions.ready;
    slices[m.i] = api.store.put(R("discovery.k8s.io", "endpointslices"), s, "MODIFIED");
    process.send!({ done: m.i });
  }
});
process.send!({ url: api.url, objects: { services: SERVICES, pods: SERVICES * PODS_PER_SERVICE, endpointSlices: SERVICES, deployments: SERVICES * 3 } });
