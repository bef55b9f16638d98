import type { Logger } from "../log";

/**
 * Auto-export (per target, off by default): every applied intent revision and every change of a
 * SmartLimiter's output is exported within seconds; changes within the debounce window are one
 * export (a burst of slider drags makes one commit, not twenty). The export itself is the same
 * preview-and-commit as by hand (`exportTo`); its outcome goes to the target's history there.
 */
export interface AutoExportDeps {
  /** Targets with auto-export on. */
  targets: () => Promise<string[]>;
  exportTo: (targetId: string) => Promise<unknown>;
  log: Logger;
  debounceMs?: number;
  /** Whether this replica runs the writers (asked right before each export; default: yes). */
  leading?: () => boolean;
}

export class AutoExporter {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  runs = 0;

  constructor(private readonly deps: AutoExportDeps) {}

  trigger(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runNow(), this.deps.debounceMs ?? 2000);
    this.timer.unref?.();
  }

  /** No new exports; resolves when the one under way (if any) has finished: a commit is never cut off halfway. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.running;
  }

  runNow(): Promise<void> {
    this.running = this.running.then(async () => {
      if (this.stopped) return;
      this.runs++;
      for (const id of await this.deps.targets()) {
        if (this.stopped || this.deps.leading?.() === false) return;
        try {
          await this.deps.exportTo(id);
        } catch (e) {
          this.deps.log.warn("auto-export failed", { target: id, error: e instanceof Error ? e.message : String(e) });
        }
      }
    });
    return this.running;
  }
}
