import { EventEmitter } from "node:events";
import type { Endpoint, MeshSnapshot, Service, Workload } from "./model";

/**
 * A registry holds the mesh model and tells listeners when it changes.
 * Sources (the built-in demo now, Kubernetes informers later) write into a
 * MemoryRegistry; everything else reads snapshots and subscribes to changes.
 */
export interface MeshRegistry {
  /** The current model; a new object after every change, never mutated. */
  snapshot(): MeshSnapshot;
  /** Called after each change with the new snapshot. Returns an unsubscribe function. */
  onChange(listener: (snapshot: MeshSnapshot) => void): () => void;
  /** Which sources feed this registry and whether they are in sync. */
  sources(): RegistrySourceStatus[];
}

export interface RegistrySourceStatus {
  name: string;
  /** synced: the source has delivered its full state at least once; relisting: it is reading everything again. */
  state: "starting" | "synced" | "relisting" | "failed" | "stopped";
  error?: string;
  lastChange?: string;
}

const serviceKey = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;
const endpointKey = (e: Endpoint) => `${e.namespace}/${e.pod}`;

/**
 * The registry's store. Writes are batched by `update`, which publishes one
 * new snapshot (and one change event) per batch, so a source that replaces a
 * whole namespace does not cause a storm of partial snapshots.
 */
export class MemoryRegistry implements MeshRegistry {
  private services = new Map<string, Service>();
  private workloads = new Map<string, Workload>();
  private endpoints = new Map<string, Endpoint>();
  private current: MeshSnapshot = { revision: 0, namespaces: [], services: [], workloads: [], endpoints: [] };
  private readonly events = new EventEmitter();
  private readonly sourceStates = new Map<string, RegistrySourceStatus>();

  snapshot(): MeshSnapshot {
    return this.current;
  }

  onChange(listener: (snapshot: MeshSnapshot) => void): () => void {
    this.events.on("change", listener);
    return () => this.events.off("change", listener);
  }

  sources(): RegistrySourceStatus[] {
    return [...this.sourceStates.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  setSourceState(status: RegistrySourceStatus): void {
    this.sourceStates.set(status.name, status);
  }

  /** Applies a batch of writes and publishes one snapshot if anything changed. */
  update(batch: (w: RegistryWriter) => void): MeshSnapshot {
    let changed = false;
    const writer: RegistryWriter = {
      upsertService: (s) => (changed = setIfDifferent(this.services, serviceKey(s), s) || changed),
      removeService: (namespace, name) => (changed = this.services.delete(`${namespace}/${name}`) || changed),
      upsertWorkload: (w) => (changed = setIfDifferent(this.workloads, serviceKey(w), w) || changed),
      removeWorkload: (namespace, name) => (changed = this.workloads.delete(`${namespace}/${name}`) || changed),
      upsertEndpoint: (e) => (changed = setIfDifferent(this.endpoints, endpointKey(e), e) || changed),
      removeEndpoint: (namespace, pod) => (changed = this.endpoints.delete(`${namespace}/${pod}`) || changed),
    };
    batch(writer);
    if (changed) this.publish();
    return this.current;
  }

  private publish(): void {
    const sortBy = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    const services = sortBy(this.services);
    const workloads = sortBy(this.workloads);
    const endpoints = sortBy(this.endpoints);
    const namespaces = [...new Set([...services, ...workloads, ...endpoints].map((x) => x.namespace))].sort();
    this.current = Object.freeze({ revision: this.current.revision + 1, namespaces, services, workloads, endpoints });
    this.events.emit("change", this.current);
  }
}

export interface RegistryWriter {
  upsertService(s: Service): void;
  removeService(namespace: string, name: string): void;
  upsertWorkload(w: Workload): void;
  removeWorkload(namespace: string, name: string): void;
  upsertEndpoint(e: Endpoint): void;
  removeEndpoint(namespace: string, pod: string): void;
}

function setIfDifferent<T>(map: Map<string, T>, key: string, value: T): boolean {
  const old = map.get(key);
  if (old !== undefined && JSON.stringify(old) === JSON.stringify(value)) return false;
  map.set(key, structuredClone(value));
  return true;
}
