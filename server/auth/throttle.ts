/**
 * Sign-in attempts limited per user name and per source address: after `limit` failures within
 * `windowMs`, further attempts are refused until the oldest failure leaves the window. A success
 * clears the user's failures. Where failures are kept is passed in: the database (shared by every
 * replica, kept across restarts; server/store/signin-failures.ts) or memory (tests).
 */
export interface FailureLog {
  /** Failure times (ms) since `sinceMs`, per key asked for. */
  recent(keys: string[], sinceMs: number): Promise<Map<string, number[]>>;
  add(keys: string[], atMs: number): Promise<void>;
  clear(key: string): Promise<void>;
  /** Forgets failures older than `beforeMs`. */
  prune(beforeMs: number): Promise<void>;
}

export class LoginThrottle {
  constructor(
    private readonly log: FailureLog,
    private readonly limit = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until another attempt is allowed for any of the keys; 0 if allowed now. */
  async retryAfter(keys: string[]): Promise<number> {
    const t = this.now();
    let wait = 0;
    for (const f of (await this.log.recent(keys, t - this.windowMs)).values()) {
      if (f.length >= this.limit) wait = Math.max(wait, Math.ceil((Math.min(...f) + this.windowMs - t) / 1000));
    }
    return wait;
  }

  async fail(keys: string[]): Promise<void> {
    const t = this.now();
    await this.log.add(keys, t);
    await this.log.prune(t - this.windowMs);
  }

  succeed(key: string): Promise<void> {
    return this.log.clear(key);
  }
}

/** Failures in this process's memory, bounded: an attacker cycling addresses cannot grow it without end. */
export class MemoryFailureLog implements FailureLog {
  private readonly failures = new Map<string, number[]>();

  async recent(keys: string[], sinceMs: number): Promise<Map<string, number[]>> {
    return new Map(keys.map((k) => [k, (this.failures.get(k) ?? []).filter((at) => at > sinceMs)]));
  }

  async add(keys: string[], atMs: number): Promise<void> {
    for (const k of keys) this.failures.set(k, [...(this.failures.get(k) ?? []), atMs].slice(-50));
    if (this.failures.size > 10_000) for (const k of [...this.failures.keys()].slice(0, 1_000)) this.failures.delete(k);
  }

  async clear(key: string): Promise<void> {
    this.failures.delete(key);
  }

  async prune(beforeMs: number): Promise<void> {
    for (const [k, f] of this.failures) {
      const kept = f.filter((at) => at > beforeMs);
      if (kept.length) this.failures.set(k, kept);
      else this.failures.delete(k);
    }
  }
}
