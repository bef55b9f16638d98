import type { Logger } from "../log";
import { type Desired, executeApply, planApply } from "./apply";
import type { KubeClient } from "./client";

/**
 * Auto-apply, per namespace (off by default): each applied intent revision, and each change of a
 * SmartLimiter's EnvoyFilters, is written to the cluster at once — the same plan and apply as by
 * hand (server dry-run first, only changed objects sent, conflicts with other field managers
 * refused, never forced). Changes are coalesced (a burst of slider drags is one apply). What
 * each intent's revision came to is kept for the UI: applied at revision N, pending, or failed
 * (why).
 */
export interface IntentRef {
  id: string;
  namespace: string;
  target: string;
  revision: number;
}

export type IntentClusterState = { state: "applied" | "failed" | "pending"; revision: number; at: string; error?: string };

export interface AutoApplyDeps {
  client: () => KubeClient | undefined;
  namespaces: () => Promise<Set<string>>;
  desired: () => Promise<Desired[]>;
  intents: () => Promise<IntentRef[]>;
  log: Logger;
  debounceMs?: number;
  /** Whether this replica runs the writers (asked right before writing; default: yes). */
  leading?: () => boolean;
}

export class AutoApplier {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** By intent id: what its last auto-apply came to. */
  readonly states = new Map<string, IntentClusterState>();
  lastRun: { at: string; namespaces: string[]; applied: number; failed: number } | undefined;

  constructor(private readonly deps: AutoApplyDeps) {}

  /** Something changed: apply soon (coalescing bursts). */
  trigger(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runNow(), this.deps.debounceMs ?? 1000);
    this.timer.unref?.();
  }

  /** No new passes; resolves when the pass under way (if any) has finished. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.running;
  }

  /** One pass now over every namespace with auto-apply on; resolves when done. */
  runNow(): Promise<void> {
    this.running = this.running.then(() => this.pass()).catch((e: unknown) => this.deps.log.error("auto-apply failed", { error: e instanceof Error ? e.message : String(e) }));
    return this.running;
  }

  /** The intents of namespaces with auto-apply on that changed since their last apply are pending. */
  async stateOf(): Promise<Record<string, IntentClusterState>> {
    const on = await this.deps.namespaces();
    const out: Record<string, IntentClusterState> = {};
    for (const i of await this.deps.intents()) {
      if (!on.has(i.namespace)) continue;
      const s = this.states.get(i.id);
      out[i.id] = s && s.revision === i.revision ? s : { state: "pending", revision: i.revision, at: s?.at ?? new Date().toISOString() };
    }
    return out;
  }

  private async pass(): Promise<void> {
    const client = this.deps.client();
    if (!client || this.stopped || this.deps.leading?.() === false) return;
    const on = [...(await this.deps.namespaces())].sort();
    if (on.length === 0) return;
    const [all, intents] = await Promise.all([this.deps.desired(), this.deps.intents()]);
    let applied = 0;
    let failed = 0;
    for (const ns of on) {
      const desired = all.filter((d) => d.metadata.namespace === ns);
      const at = new Date().toISOString();
      let whole: string | undefined;
      let bad: { kind: string; name: string; error?: string; outcome: string }[] = [];
      try {
        const plan = await planApply(client, desired, { namespaces: [ns] });
        if (plan.items.some((i) => i.action !== "unchanged")) {
          const { results } = await executeApply(client, desired, { namespaces: [ns], fingerprint: plan.fingerprint });
          bad = results.filter((r) => r.outcome === "failed" || r.outcome === "refused" || r.outcome === "not attempted");
          applied += results.filter((r) => r.outcome === "applied" || r.outcome === "pruned").length;
          failed += bad.length;
        }
      } catch (e) {
        whole = e instanceof Error ? e.message : String(e);
        failed++;
      }
      // An intent's objects are its service's VirtualService and DestinationRule (named after it).
      for (const i of intents.filter((x) => x.namespace === ns)) {
        const mine = bad.filter((r) => (r.kind === "VirtualService" || r.kind === "DestinationRule") && r.name === i.target);
        const error = whole ?? (mine.length ? mine.map((r) => `${r.kind} ${r.name}: ${r.error ?? r.outcome}`).join("; ") : undefined);
        this.states.set(i.id, error ? { state: "failed", revision: i.revision, at, error } : { state: "applied", revision: i.revision, at });
      }
      if (whole || bad.length) this.deps.log.warn("auto-apply left objects unapplied", { namespace: ns, error: whole ?? bad.map((r) => `${r.kind} ${r.name}: ${r.error ?? r.outcome}`).join("; ") });
    }
    this.lastRun = { at: new Date().toISOString(), namespaces: on, applied, failed };
  }
}
