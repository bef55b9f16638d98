/**
 * TEST DOUBLE support: the API resources the Kubernetes API test double serves, with the
 * properties that change how the real server answers (built-in vs custom resource, scope).
 */
export interface ApiResource {
  group: string;
  versions: string[];
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Custom resources: list items carry apiVersion/kind, keys come back sorted, DELETE answers a Status. */
  custom: boolean;
  /** An optional API group whose CRDs a test can leave out (Istio's, Slime's). */
  crdGroup?: "istio" | "slime";
}

const core = (plural: string, kind: string, namespaced = true): ApiResource => ({ group: "", versions: ["v1"], plural, kind, namespaced, custom: false });
const apps = (plural: string, kind: string): ApiResource => ({ group: "apps", versions: ["v1"], plural, kind, namespaced: true, custom: false });
const istio = (plural: string, kind: string, versions = ["v1", "v1beta1", "v1alpha3"]): ApiResource => ({ group: "networking.istio.io", versions, plural, kind, namespaced: true, custom: true, crdGroup: "istio" });

export const RESOURCES: ApiResource[] = [
  core("namespaces", "Namespace", false),
  core("pods", "Pod"),
  core("services", "Service"),
  core("endpoints", "Endpoints"),
  core("configmaps", "ConfigMap"),
  core("serviceaccounts", "ServiceAccount"),
  apps("deployments", "Deployment"),
  apps("replicasets", "ReplicaSet"),
  apps("statefulsets", "StatefulSet"),
  apps("daemonsets", "DaemonSet"),
  { group: "discovery.k8s.io", versions: ["v1"], plural: "endpointslices", kind: "EndpointSlice", namespaced: true, custom: false },
  { group: "coordination.k8s.io", versions: ["v1"], plural: "leases", kind: "Lease", namespaced: true, custom: false },
  istio("virtualservices", "VirtualService"),
  istio("destinationrules", "DestinationRule"),
  istio("gateways", "Gateway"),
  istio("serviceentries", "ServiceEntry"),
  istio("sidecars", "Sidecar"),
  istio("envoyfilters", "EnvoyFilter", ["v1alpha3"]),
  { group: "microservice.slime.io", versions: ["v1alpha2"], plural: "smartlimiters", kind: "SmartLimiter", namespaced: true, custom: true, crdGroup: "slime" },
];

export const apiVersionOf = (r: ApiResource, version: string) => (r.group ? `${r.group}/${version}` : version);
/** `virtualservices.networking.istio.io` / `pods`: how the server names a resource in messages. */
export const qualified = (r: ApiResource) => (r.group ? `${r.plural}.${r.group}` : r.plural);
