import { randomUUID } from "node:crypto";
import type { ApiResource } from "./resources";

/**
 * TEST DOUBLE support: the Kubernetes API test double's storage. One global resourceVersion
 * counter (etcd's revision), objects by resource/namespace/name, and an event log that watches
 * replay from. The log keeps a window like the real watch cache: a watch from a resourceVersion
 * older than the window gets 410 Expired (see `compact`).
 */
export type Obj = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> } };
export interface StoredEvent {
  rv: number;
  resource: ApiResource;
  type: "ADDED" | "MODIFIED" | "DELETED";
  obj: Obj;
  /** The object before this change (for label-selector transitions). */
  old?: Obj;
}

export const nowSeconds = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export class ObjectStore {
  rv = 300;
  private readonly objects = new Map<string, Obj>();
  private readonly log: StoredEvent[] = [];
  /** The oldest resourceVersion a watch may start from. */
  oldestWatchRv = 0;
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  constructor(private readonly windowSize = 100_000) {}

  static key(r: ApiResource, ns: string | undefined, name: string): string {
    return `${r.group}/${r.plural}/${ns ?? ""}/${name}`;
  }

  get(r: ApiResource, ns: string | undefined, name: string): Obj | undefined {
    const o = this.objects.get(ObjectStore.key(r, ns, name));
    return o && structuredClone(o);
  }

  /** The objects of a resource (in a namespace), ordered by namespace/name; copies unless `shared` (read-only use). */
  list(r: ApiResource, ns: string | undefined, shared = false): Obj[] {
    const prefix = ns === undefined ? `${r.group}/${r.plural}/` : `${r.group}/${r.plural}/${ns}/`;
    const out: [string, Obj][] = [];
    for (const [k, v] of this.objects) if (k.startsWith(prefix)) out.push([`${v.metadata.namespace ?? ""}/${v.metadata.name}`, v]);
    out.sort(([a], [b]) => (a < b ? -1 : 1));
    return out.map(([, o]) => (shared ? o : structuredClone(o)));
  }

  /** Writes an object (a new resourceVersion) and records the event. */
  put(r: ApiResource, obj: Obj, type: "ADDED" | "MODIFIED"): Obj {
    const k = ObjectStore.key(r, obj.metadata.namespace, obj.metadata.name);
    const old = this.objects.get(k);
    this.rv++;
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(this.rv);
    if (!old) {
      stored.metadata.uid ??= randomUUID();
      stored.metadata.creationTimestamp ??= nowSeconds();
    }
    this.objects.set(k, stored);
    this.record({ rv: this.rv, resource: r, type, obj: structuredClone(stored), ...(old ? { old: structuredClone(old) } : {}) });
    return structuredClone(stored);
  }

  remove(r: ApiResource, ns: string | undefined, name: string): Obj | undefined {
    const k = ObjectStore.key(r, ns, name);
    const old = this.objects.get(k);
    if (!old) return undefined;
    this.objects.delete(k);
    this.rv++;
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(this.rv);
    this.record({ rv: this.rv, resource: r, type: "DELETED", obj: gone, old: structuredClone(old) });
    return gone;
  }

  /** Events after `rv` for one resource; undefined when `rv` is older than the window (410). */
  since(r: ApiResource, rv: number): StoredEvent[] | undefined {
    if (rv < this.oldestWatchRv) return undefined;
    return this.log.filter((e) => e.rv > rv && e.resource === r);
  }

  /** Forgets the event log up to now, as the watch cache does over time: older watches get 410. */
  compact(): void {
    this.log.length = 0;
    this.oldestWatchRv = this.rv;
  }

  subscribe(fn: (e: StoredEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private record(e: StoredEvent): void {
    this.log.push(e);
    if (this.log.length > this.windowSize) {
      const dropped = this.log.splice(0, this.log.length - this.windowSize);
      this.oldestWatchRv = dropped[dropped.length - 1]!.rv;
    }
    for (const fn of this.listeners) fn(e);
  }
}
