/**
 * Sign-in attempts limited per user name and per source address: after `limit` failures within
 * `windowMs`, further attempts are refused until the oldest failure leaves the window. A success
 * clears the user's failures. In memory (per process): a restart forgets it.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const t = this.now();
    const kept = (this.failures.get(key) ?? []).filter((at) => t - at < this.windowMs);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }

  /** Seconds until another attempt is allowed for any of the keys; 0 if allowed now. */
  retryAfter(keys: string[]): number {
    let wait = 0;
    for (const k of keys) {
      const f = this.recent(k);
      if (f.length >= this.limit) wait = Math.max(wait, Math.ceil((f[0]! + this.windowMs - this.now()) / 1000));
    }
    return wait;
  }

  fail(keys: string[]): void {
    for (const k of keys) this.failures.set(k, [...this.recent(k), this.now()].slice(-this.limit * 2));
    // Bounded: an attacker cycling addresses cannot grow this without end.
    if (this.failures.size > 10_000) for (const k of [...this.failures.keys()].slice(0, 1_000)) this.failures.delete(k);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
