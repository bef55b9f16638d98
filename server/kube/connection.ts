import fs from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import type { Config } from "../config";
import type { Logger } from "../log";
import type { MemoryRegistry } from "../mesh/registry";
import type { AutoApplier } from "./auto-apply";
import { KubeClient } from "./client";
import { KUBE_SOURCE, KubeSource, type KindStatus } from "./source";

/**
 * The configured cluster: its kubeconfig is read (KUBECONFIG, SEXTANT_KUBE_CONTEXT) or the pod's
 * service account is used. A kubeconfig that cannot be read or has no such context does not stop
 * Sextant: the registry source says what is wrong and the kubeconfig is read again every 30 s.
 */
export type KubeSettings = NonNullable<Config["kube"]>;

export function loadKubeConfig(s: KubeSettings): KubeConfig {
  const kc = new KubeConfig();
  if (s.inCluster) {
    kc.loadFromCluster();
    return kc;
  }
  if (!s.kubeconfig) throw new Error("no cluster is configured: set KUBECONFIG, or run in a pod (in-cluster service account)");
  for (const file of s.kubeconfig.split(":")) {
    if (!fs.existsSync(file)) throw new Error(`KUBECONFIG names ${file}, which does not exist`);
  }
  try {
    kc.loadFromFile(s.kubeconfig.split(":")[0]!);
  } catch (e) {
    throw new Error(`KUBECONFIG ${s.kubeconfig} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (s.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(s.context)) throw new Error(`SEXTANT_KUBE_CONTEXT=${s.context} is not a context of ${s.kubeconfig} (it has: ${names.join(", ") || "none"})`);
    kc.setCurrentContext(s.context);
  }
  if (!kc.getCurrentCluster()) throw new Error(`${s.kubeconfig} has no current context; set SEXTANT_KUBE_CONTEXT to one of: ${kc.getContexts().map((c) => c.name).join(", ") || "none"}`);
  return kc;
}

export class KubeConnection {
  client: KubeClient | undefined;
  source: KubeSource | undefined;
  context: string | undefined;
  error: string | undefined;
  /** The last apply to the cluster: when, how many objects applied, pruned, failed. */
  lastApply: { at: string; applied: number; pruned: number; failed: number } | undefined;
  /** Writes applied intent revisions and limiter changes to the cluster, in namespaces that ask for it. */
  autoApply: AutoApplier | undefined;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly settings: KubeSettings,
    private readonly registry: MemoryRegistry,
    private readonly log: Logger,
    private readonly make: (kc: KubeConfig) => KubeClient = (kc) => new KubeClient(kc, "sextant"),
  ) {}

  start(): void {
    if (this.stopped) return;
    try {
      const kc = loadKubeConfig(this.settings);
      this.client = this.make(kc);
      this.context = kc.getCurrentContext();
      this.error = undefined;
      this.source = new KubeSource({
        client: this.client,
        registry: this.registry,
        ...(this.settings.namespaces ? { namespaces: this.settings.namespaces } : {}),
        ...(this.settings.namespaceSelector ? { namespaceSelector: this.settings.namespaceSelector } : {}),
        log: this.log,
      });
      this.source.start();
      this.log.info("watching the Kubernetes cluster", { context: this.context, server: this.client.server, namespaces: this.settings.namespaces ?? "all" });
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.registry.setSourceState({ name: KUBE_SOURCE, state: "failed", error: this.error });
      this.log.error("the Kubernetes cluster is not usable; trying again in 30 s", { error: this.error });
      this.timer = setTimeout(() => this.start(), 30_000);
      this.timer.unref?.();
    }
  }

  /** Stops the informers; resolves when an apply under way has finished. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source?.stop();
    return this.autoApply?.stop() ?? Promise.resolve();
  }

  status(): { context?: string; server?: string; error?: string; kinds: KindStatus[] } {
    return { ...(this.context ? { context: this.context } : {}), ...(this.client ? { server: this.client.server } : {}), ...(this.error ? { error: this.error } : {}), kinds: this.source?.status() ?? [] };
  }
}
