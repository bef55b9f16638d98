/**
 * The Istio objects Sextant generates, as plain data in Istio's field names
 * (networking.istio.io/v1). Kept minimal: only the fields Sextant writes.
 */
export const ISTIO_API = "networking.istio.io/v1";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "sextant";

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

export interface IstioObject<K extends string = string, S = unknown> {
  apiVersion: typeof ISTIO_API;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
}

export interface Destination {
  host: string;
  subset?: string;
}

export interface RouteDestination {
  destination: Destination;
  weight?: number;
}

export interface HttpRoute {
  name?: string;
  match?: Record<string, unknown>[];
  fault?: Record<string, unknown>;
  route: RouteDestination[];
  timeout?: string;
  retries?: { attempts: number; perTryTimeout?: string; retryOn?: string };
  mirror?: Destination;
  mirrorPercentage?: { value: number };
}

export interface VirtualServiceSpec {
  hosts: string[];
  http?: HttpRoute[];
  tcp?: { route: RouteDestination[] }[];
}

export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: Record<string, unknown>;
  subsets?: { name: string; labels: Record<string, string> }[];
}

export type VirtualService = IstioObject<"VirtualService", VirtualServiceSpec>;
export type DestinationRule = IstioObject<"DestinationRule", DestinationRuleSpec>;
export type RenderedObject = VirtualService | DestinationRule;

export function objectKey(o: { kind: string; metadata: { namespace: string; name: string } }): string {
  return `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
}
