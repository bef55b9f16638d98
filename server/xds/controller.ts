import { describeError } from "../errors";
import type { IntentDraft } from "../intents/schemas";
import type { Logger } from "../log";
import type { MeshRegistry } from "../mesh/registry";
import type { MeshSnapshot } from "../mesh/model";
import type { BuildInput, BuildResult } from "./publisher";
import type { InboundPolicy } from "./snapshot";

/**
 * Keeps the ADS server's snapshot in step with the mesh and the intents:
 * any change (registry event, intent applied) schedules a rebuild, debounced
 * so a burst of edits becomes one push. What to build is handed to
 * `publish` (the data plane, on its own thread: server/dataplane), with only
 * the parts that changed since the last build. A snapshot that fails its
 * consistency check is not published; the last good one keeps being served.
 */
export class XdsController {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private sent: { mesh?: MeshSnapshot; intents?: IntentDraft[]; policies?: string } = {};
  /** Bumped by resend(): a build that was in flight then must not record what it sent. */
  private generation = 0;
  lastBuild: BuildResult | undefined;

  constructor(
    private readonly opts: {
      registry: MeshRegistry;
      /** Builds and serves a snapshot (SnapshotPublisher.build, wherever the ADS server runs). */
      publish: (input: BuildInput) => Promise<BuildResult> | BuildResult;
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

  /** The data plane was started again and holds nothing: send everything with the next build. */
  resend(): void {
    this.sent = {};
    this.generation++;
    this.schedule();
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
        const mesh = this.opts.registry.snapshot();
        const policies = this.opts.policies?.() ?? [];
        const policiesJson = JSON.stringify(policies);
        const sent = this.sent;
        const input: BuildInput = {
          ...(mesh !== sent.mesh ? { mesh } : {}),
          ...(!sameItems(intents, sent.intents) ? { intents } : {}),
          ...(policiesJson !== sent.policies ? { policies } : {}),
        };
        const generation = this.generation;
        const result = await this.opts.publish(input);
        if (generation === this.generation) this.sent = { mesh, intents, policies: policiesJson };
        this.lastBuild = result;
        if (result.error) this.opts.log.error("xDS snapshot not published; the last good one is still served", { error: result.error });
      } catch (e) {
        this.lastBuild = { at: new Date().toISOString(), error: describeError(e) };
        this.opts.log.error("xDS snapshot not published; the last good one is still served", { error: describeError(e) });
      }
    });
    return this.running;
  }
}

/** The same intent objects in the same order (the loader hands over one object per revision). */
function sameItems<T>(a: T[], b: T[] | undefined): boolean {
  return !!b && a.length === b.length && a.every((x, i) => x === b[i]);
}
