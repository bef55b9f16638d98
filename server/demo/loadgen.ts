import * as grpc from "@grpc/grpc-js";
import type { Outbound } from "./outbound";

/**
 * Sends requests to productpage at a steady rate, as users outside the mesh
 * would (no source identity: Istio reports them as "unknown"). The rate can
 * change while it runs. Counts what it sent so tests can compare the graph's
 * rates with the truth.
 */
export interface LoadStats {
  ratePerSecond: number;
  sent: number;
  succeeded: number;
  failed: number;
  /** Requests not sent because too many were still in flight. */
  skipped: number;
  inFlight: number;
}

const TICK_MS = 20;
const MAX_IN_FLIGHT = 200;

export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private last = 0;
  private readonly stats: LoadStats;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly productpage: Outbound,
    ratePerSecond: number,
  ) {
    this.stats = { ratePerSecond, sent: 0, succeeded: 0, failed: 0, skipped: 0, inFlight: 0 };
  }

  start(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.pending]);
  }

  setRate(ratePerSecond: number): void {
    if (!(ratePerSecond >= 0 && ratePerSecond <= 1000)) throw new RangeError("rate must be between 0 and 1000 requests per second");
    this.stats.ratePerSecond = ratePerSecond;
  }

  snapshot(): LoadStats {
    return { ...this.stats, inFlight: this.pending.size };
  }

  private tick(): void {
    const now = performance.now();
    // After the event loop stalls (start-up work, GC), do not catch up in a burst:
    // at most a quarter second's worth of requests is owed at any time.
    this.credit = Math.min(this.credit + (this.stats.ratePerSecond * (now - this.last)) / 1000, Math.max(1, this.stats.ratePerSecond / 4));
    this.last = now;
    while (this.credit >= 1) {
      this.credit -= 1;
      if (this.pending.size >= MAX_IN_FLIGHT) {
        this.stats.skipped++;
        continue;
      }
      this.stats.sent++;
      const p = this.productpage.call("productpage", { productId: 0 }).then((r) => {
        if (r.code === grpc.status.OK) this.stats.succeeded++;
        else this.stats.failed++;
      });
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }
}
