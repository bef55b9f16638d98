/**
 * The kinds Sextant reads from and writes to a cluster, with their API paths. Istio's kinds are
 * served at networking.istio.io/v1 (v1alpha3 for EnvoyFilter); Slime's SmartLimiter at
 * microservice.slime.io/v1alpha2.
 */
export interface KindInfo {
  kind: string;
  group: string;
  version: string;
  plural: string;
}

export const KINDS: KindInfo[] = [
  { kind: "VirtualService", group: "networking.istio.io", version: "v1", plural: "virtualservices" },
  { kind: "DestinationRule", group: "networking.istio.io", version: "v1", plural: "destinationrules" },
  { kind: "Gateway", group: "networking.istio.io", version: "v1", plural: "gateways" },
  { kind: "ServiceEntry", group: "networking.istio.io", version: "v1", plural: "serviceentries" },
  { kind: "Sidecar", group: "networking.istio.io", version: "v1", plural: "sidecars" },
  { kind: "EnvoyFilter", group: "networking.istio.io", version: "v1alpha3", plural: "envoyfilters" },
  { kind: "SmartLimiter", group: "microservice.slime.io", version: "v1alpha2", plural: "smartlimiters" },
  { kind: "ConfigMap", group: "", version: "v1", plural: "configmaps" },
];

/** The kinds Sextant generates (and so may prune). */
export const WRITTEN_KINDS = ["VirtualService", "DestinationRule", "EnvoyFilter", "ConfigMap"];

export function kindInfo(kind: string): KindInfo {
  const k = KINDS.find((x) => x.kind === kind);
  if (!k) throw new Error(`Sextant does not write ${kind} objects`);
  return k;
}

export function collectionPath(k: KindInfo, namespace: string): string {
  return `${k.group ? `/apis/${k.group}` : "/api"}/${k.version}/namespaces/${namespace}/${k.plural}`;
}

export function objectPath(k: KindInfo, namespace: string, name: string): string {
  return `${collectionPath(k, namespace)}/${name}`;
}

export const FIELD_MANAGER = "sextant";
export const MANAGED_BY = "app.kubernetes.io/managed-by";
