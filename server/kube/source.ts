import type { Logger } from "../log";
import type { Endpoint, Service, Workload } from "../mesh/model";
import type { MemoryRegistry } from "../mesh/registry";
import type { KubeClient } from "./client";
import { type NamespaceObjects, namespaceModel } from "./mesh-model";
import { type KubeObject, Reflector, type ReflectorState } from "./reflector";

/**
 * The Kubernetes registry source: supervised informers for the kinds the mesh model is made
 * of, feeding the same MemoryRegistry the demo feeds. Changes are coalesced per event-loop turn
 * and each changed namespace is rebuilt from its objects and written in one registry batch; the
 * model is first published once every kind has been listed, so it never shows services without
 * their pods.
 */
type Kind = keyof NamespaceObjects | "namespaces";
const INFORMED: { kind: Kind; gv: string; resource: string; group: string }[] = [
  { kind: "namespaces", gv: "/api/v1", resource: "namespaces", group: "" },
  { kind: "services", gv: "/api/v1", resource: "services", group: "" },
  { kind: "endpointSlices", gv: "/apis/discovery.k8s.io/v1", resource: "endpointslices", group: "discovery.k8s.io" },
  { kind: "pods", gv: "/api/v1", resource: "pods", group: "" },
  { kind: "deployments", gv: "/apis/apps/v1", resource: "deployments", group: "apps" },
  { kind: "statefulSets", gv: "/apis/apps/v1", resource: "statefulsets", group: "apps" },
  { kind: "daemonSets", gv: "/apis/apps/v1", resource: "daemonsets", group: "apps" },
];

export interface KubeSourceOptions {
  client: KubeClient;
  registry: MemoryRegistry;
  /** Watch only these namespaces (one informer per kind and namespace); otherwise the whole cluster. */
  namespaces?: string[];
  /** Only namespaces with these labels (a label selector), when no list is given. */
  namespaceSelector?: string;
  domain?: string;
  log: Logger;
  watchdogMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

export interface KindStatus extends ReflectorState {
  resource: string;
  namespace?: string;
}

export const KUBE_SOURCE = "kubernetes";

export class KubeSource {
  private readonly reflectors: { kind: Kind; r: Reflector; namespace?: string }[] = [];
  /** kind -> "ns/name" -> object, per informer scope (so a relist replaces exactly its scope). */
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly dirty = new Set<string>();
  private flushing = false;
  private published = false;
  /** What this source wrote into the registry, by namespace, so a rebuild removes what is gone. */
  private readonly written = new Map<string, { services: string[]; workloads: string[]; endpoints: string[] }>();
  private selectedNamespaces: Set<string> | undefined;
  private stopped = false;

  constructor(private readonly o: KubeSourceOptions) {}

  start(): void {
    this.o.registry.setSourceState({ name: KUBE_SOURCE, state: "starting" });
    const scopes = this.o.namespaces?.length ? this.o.namespaces : [undefined];
    for (const k of INFORMED) {
      // With a namespace list the Namespace objects are not needed (and may not be readable).
      if (k.kind === "namespaces" && this.o.namespaces?.length) continue;
      for (const ns of k.kind === "namespaces" ? [undefined] : scopes) {
        const scope = `${k.kind}/${ns ?? ""}`;
        this.objects.set(scope, new Map());
        const r = new Reflector({
          client: this.o.client,
          groupVersionPath: k.gv,
          resource: k.resource,
          group: k.group,
          ...(ns ? { namespace: ns } : {}),
          ...(k.kind === "namespaces" && this.o.namespaceSelector ? { labelSelector: this.o.namespaceSelector } : {}),
          log: this.o.log,
          ...(this.o.watchdogMs ? { watchdogMs: this.o.watchdogMs } : {}),
          ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
          onReplace: (items) => this.replace(k.kind, scope, items),
          onEvent: (type, obj) => this.event(k.kind, scope, type, obj),
          onState: () => this.reportState(),
        });
        this.reflectors.push({ kind: k.kind, r, ...(ns ? { namespace: ns } : {}) });
      }
    }
    for (const { r } of this.reflectors) r.start();
  }

  stop(): void {
    this.stopped = true;
    for (const { r } of this.reflectors) r.stop();
    this.o.registry.setSourceState({ name: KUBE_SOURCE, state: "stopped" });
  }

  /** Each informer's state, for health and the UI. */
  status(): KindStatus[] {
    return this.reflectors.map(({ r, namespace }) => ({ resource: r.resource, ...(namespace ? { namespace } : {}), ...r.status }));
  }

  private reportState(): void {
    const all = this.status();
    const failing = all.filter((s) => s.state === "failing");
    const state = failing.length ? "failed" : all.some((s) => s.state === "starting") ? "starting" : all.some((s) => s.state === "relisting") ? "relisting" : "synced";
    // One line per distinct reason (an unreachable server fails every kind the same way).
    const reasons = new Map<string, string[]>();
    for (const s of failing) reasons.set(s.error ?? "", [...(reasons.get(s.error ?? "") ?? []), `${s.resource}${s.namespace ? ` in ${s.namespace}` : ""}`]);
    const error = [...reasons].map(([why, what]) => (what.length === all.length ? why : `${what.join(", ")}: ${why}`)).join("; ");
    this.o.registry.setSourceState({ name: KUBE_SOURCE, state, ...(error ? { error } : {}), lastChange: new Date().toISOString() });
    if (!this.published && all.every((s) => s.state !== "starting")) this.schedule();
  }

  private replace(kind: Kind, scope: string, items: KubeObject[]): void {
    const m = this.objects.get(scope)!;
    for (const o of m.values()) this.dirty.add(o.metadata.namespace ?? o.metadata.name);
    m.clear();
    for (const o of items) {
      m.set(`${o.metadata.namespace ?? ""}/${o.metadata.name}`, o);
      this.dirty.add(o.metadata.namespace ?? o.metadata.name);
    }
    if (kind === "namespaces") this.namespacesChanged();
    this.schedule();
  }

  private event(kind: Kind, scope: string, type: "ADDED" | "MODIFIED" | "DELETED", o: KubeObject): void {
    const m = this.objects.get(scope)!;
    const k = `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (type === "DELETED") m.delete(k);
    else m.set(k, o);
    this.dirty.add(o.metadata.namespace ?? o.metadata.name);
    if (kind === "namespaces") this.namespacesChanged();
    this.schedule();
  }

  private namespacesChanged(): void {
    if (!this.o.namespaceSelector) return;
    const before = this.selectedNamespaces;
    this.selectedNamespaces = new Set([...this.objects.get("namespaces/")!.values()].map((n) => n.metadata.name));
    for (const ns of new Set([...(before ?? []), ...this.selectedNamespaces])) this.dirty.add(ns);
  }

  private schedule(): void {
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.stopped) return;
    if (!this.published) {
      if (this.reflectors.some(({ r }) => r.status.state === "starting")) return;
      this.published = true;
      for (const m of this.objects.values()) for (const o of m.values()) this.dirty.add(o.metadata.namespace ?? o.metadata.name);
    }
    const namespaces = [...this.dirty].sort();
    this.dirty.clear();
    const models = namespaces.map((ns) => ({ ns, model: this.watched(ns) ? namespaceModel(this.namespaceObjects(ns), this.o.domain) : { services: [], workloads: [], endpoints: [] } }));
    this.o.registry.update((w) => {
      for (const { ns, model } of models) {
        const before = this.written.get(ns) ?? { services: [], workloads: [], endpoints: [] };
        const now = { services: model.services.map((s: Service) => s.name), workloads: model.workloads.map((x: Workload) => x.name), endpoints: model.endpoints.map((e: Endpoint) => e.pod) };
        for (const n of before.services) if (!now.services.includes(n)) w.removeService(ns, n);
        for (const n of before.workloads) if (!now.workloads.includes(n)) w.removeWorkload(ns, n);
        for (const n of before.endpoints) if (!now.endpoints.includes(n)) w.removeEndpoint(ns, n);
        model.services.forEach((s) => w.upsertService(s));
        model.workloads.forEach((x) => w.upsertWorkload(x));
        model.endpoints.forEach((e) => w.upsertEndpoint(e));
        if (now.services.length + now.workloads.length + now.endpoints.length === 0) this.written.delete(ns);
        else this.written.set(ns, now);
      }
    });
  }

  private watched(ns: string): boolean {
    return !this.o.namespaceSelector || (this.selectedNamespaces?.has(ns) ?? false);
  }

  private namespaceObjects(ns: string): NamespaceObjects {
    const of = (kind: keyof NamespaceObjects) => {
      const out: KubeObject[] = [];
      for (const [scope, m] of this.objects) {
        if (!scope.startsWith(`${kind}/`)) continue;
        for (const o of m.values()) if (o.metadata.namespace === ns) out.push(o);
      }
      return out.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    };
    return { services: of("services"), endpointSlices: of("endpointSlices"), pods: of("pods"), deployments: of("deployments"), statefulSets: of("statefulSets"), daemonSets: of("daemonSets") };
  }
}
