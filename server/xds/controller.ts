import { describeError } from "../errors";
import type { IntentDraft } from "../intents/schemas";
import type { Logger } from "../log";
import type { MeshRegistry } from "../mesh/registry";
import type { AdsServer } from "./server";
import { type InboundPolicy, SnapshotBuilder } from "./snapshot";

/**
 * Keeps the ADS server's snapshot in step with the mesh and the intents:
 * any change (registry event, intent applied) schedules a rebuild, debounced
 * so a burst of edits becomes one push. A snapshot that fails its consistency
 * check is not published; the last good one keeps being served.
 */
export class XdsController {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly builder = new SnapshotBuilder();
  lastBuild: { at: string; error?: string; versions?: Record<string, string> } | undefined;

  constructor(
    private readonly opts: {
      registry: MeshRegistry;
      server: AdsServer;
      /** The intents in force (read from the store); undefined while the store is unavailable. */
      intents: () => Promise<IntentDraft[] | undefined>;
      /** Rate limits for sidecars' inbound listeners (from SmartLimiters). */
      policies?: () => InboundPolicy[];
      debounceMs: number;
      log: Logger;
    },
  ) {}

  start(): Promise<void> {
    this.unsubscribe = this.opts.registry.onChange(() => this.schedule());
    return this.rebuild();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  /** Something changed; rebuild soon (coalescing bursts). */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.rebuild(), this.opts.debounceMs);
    this.timer.unref();
  }

  /** Rebuilds now; resolves once published (or refused). */
  rebuild(): Promise<void> {
    this.running = this.running.then(async () => {
      try {
        const intents = (await this.opts.intents()) ?? [];
        const snapshot = this.builder.build(this.opts.registry.snapshot(), intents, this.opts.policies?.() ?? []);
        this.opts.server.setSnapshot(snapshot);
        this.lastBuild = { at: new Date().toISOString(), versions: snapshot.versions };
      } catch (e) {
        this.lastBuild = { at: new Date().toISOString(), error: describeError(e) };
        this.opts.log.error("xDS snapshot not published; the last good one is still served", { error: describeError(e) });
      }
    });
    return this.running;
  }
}
