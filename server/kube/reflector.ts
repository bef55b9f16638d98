import type { Logger } from "../log";
import type { KubeClient, KubeError, WatchHandle } from "./client";
import { explain } from "./explain";

/**
 * A supervised list+watch of one resource type in one scope (a namespace, or the cluster):
 * client-node's own informer stops on any error but 410, so this one keeps going —
 *  - lists in pages, then watches from the list's resourceVersion with bookmarks;
 *  - a watch the server ends (its timeout) is opened again from the last resourceVersion;
 *  - `410 Gone` (an ERROR event or an HTTP 410) means the position expired: list again;
 *  - a watch silent for longer than the watchdog (no event, no bookmark) is dropped and relisted;
 *  - every failure is retried after a jittered exponential backoff, and reported with its reason.
 * A list hands over all objects at once (`onReplace`), so the model never holds half of a relist.
 */
export type KubeObject = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[]; deletionTimestamp?: string; generation?: number; managedFields?: unknown[] } } & Record<string, unknown>;

export type ReflectorState = { state: "starting" | "synced" | "relisting" | "failing"; error?: string; since: string; objects: number; relists: number };

export interface ReflectorOptions {
  client: KubeClient;
  /** e.g. /api/v1 or /apis/apps/v1 */
  groupVersionPath: string;
  resource: string;
  group: string;
  namespace?: string;
  labelSelector?: string;
  onReplace(items: KubeObject[]): void;
  onEvent(type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeObject): void;
  onState?(s: ReflectorState): void;
  log: Logger;
  watchdogMs?: number;
  pageSize?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Server-side watch timeout, seconds (client-go picks 5-10 minutes). */
  watchTimeoutSeconds?: () => number;
}

export class Reflector {
  private stopped = false;
  private rv = "";
  private watch?: WatchHandle;
  private timer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private failures = 0;
  private count = 0;
  status: ReflectorState = { state: "starting", since: new Date().toISOString(), objects: 0, relists: 0 };
  private synced = false;
  /** The watchdog ended the current watch. */
  private silenced = false;

  constructor(private readonly o: ReflectorOptions) {}

  get resource(): string {
    return this.o.resource;
  }

  private get path(): string {
    return `${this.o.groupVersionPath}${this.o.namespace ? `/namespaces/${this.o.namespace}` : ""}/${this.o.resource}`;
  }

  start(): void {
    void this.list();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
  }

  private setState(state: ReflectorState["state"], error?: string): void {
    if (this.status.state === state && this.status.error === error && this.status.objects === this.count) return;
    this.status = { state, ...(error ? { error } : {}), since: this.status.state === state ? this.status.since : new Date().toISOString(), objects: this.count, relists: this.status.relists };
    this.o.onState?.(this.status);
  }

  private retry(what: () => void): void {
    const { initialMs, maxMs } = this.o.backoff ?? { initialMs: 500, maxMs: 30_000 };
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures, 16));
    this.failures++;
    const wait = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(what, wait);
    this.timer.unref?.();
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    if (this.synced) {
      this.status = { ...this.status, relists: this.status.relists + 1 };
      this.setState("relisting");
    }
    try {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      let rv = "";
      do {
        const page = await this.o.client.request<{ metadata: { resourceVersion: string; continue?: string }; items: KubeObject[] }>({
          path: this.path,
          query: { limit: this.o.pageSize ?? 500, continue: cont, labelSelector: this.o.labelSelector },
        });
        items.push(...page.items);
        cont = page.metadata.continue || undefined;
        rv = page.metadata.resourceVersion;
      } while (cont && !this.stopped);
      if (this.stopped) return;
      this.rv = rv;
      this.count = items.length;
      this.o.onReplace(items);
      this.synced = true;
      this.failures = 0;
      this.setState("synced");
      this.startWatch();
    } catch (e) {
      if (this.stopped) return;
      const reason = explain(e, { verb: "list", resource: this.o.resource, group: this.o.group, ...(this.o.namespace ? { namespace: this.o.namespace } : {}) });
      this.o.log.warn("listing failed; retrying", { resource: this.o.resource, namespace: this.o.namespace, error: reason });
      this.setState("failing", reason);
      this.retry(() => void this.list());
    }
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.o.log.warn("watch silent for too long; listing again", { resource: this.o.resource, namespace: this.o.namespace, silentMs: this.o.watchdogMs ?? 180_000 });
      this.silenced = true;
      this.watch?.stop();
    }, this.o.watchdogMs ?? 180_000);
    this.watchdog.unref?.();
  }

  private startWatch(): void {
    if (this.stopped) return;
    let expired = false;
    this.armWatchdog();
    const timeout = this.o.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
    const handle = this.o.client.watch(
      this.path,
      { resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds: timeout, labelSelector: this.o.labelSelector },
      (e) => {
        this.armWatchdog();
        if (e.type === "ERROR") {
          const code = (e.object as { code?: number }).code;
          if (code === 410) expired = true;
          return;
        }
        const obj = e.object as KubeObject;
        if (obj.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
        if (e.type === "BOOKMARK") return;
        if (e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED") {
          this.count += e.type === "ADDED" ? 1 : e.type === "DELETED" ? -1 : 0;
          this.o.onEvent(e.type, obj);
        }
      },
      (err?: KubeError) => {
        clearTimeout(this.watchdog);
        if (this.stopped || this.watch !== handle) return;
        const silent = this.silenced;
        this.silenced = false;
        if (expired || err?.status === 410 || silent) return void this.list();
        if (err) {
          const reason = explain(err, { verb: "watch", resource: this.o.resource, group: this.o.group, ...(this.o.namespace ? { namespace: this.o.namespace } : {}) });
          this.o.log.warn("watch failed; retrying", { resource: this.o.resource, namespace: this.o.namespace, error: reason });
          this.setState("failing", reason);
          return this.retry(() => (this.status.state === "failing" && err.status !== 0 ? void this.list() : this.resumeWatch()));
        }
        this.resumeWatch();
      },
    );
    this.watch = handle;
  }

  private resumeWatch(): void {
    if (this.status.state === "failing") this.setState("synced");
    this.startWatch();
  }
}
