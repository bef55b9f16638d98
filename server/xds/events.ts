/**
 * What the xDS server did since it was last asked, for Sextant's own telemetry: responses pushed
 * and NACKs received by type, and how long each ACK took after its push. Kept where the server
 * runs (the data plane thread) and taken by the console at scrape time, so counters and the
 * latency histogram are observed once per event, in the console's registry.
 */
export interface XdsEvents {
  pushes: Record<string, number>;
  nacks: Record<string, number>;
  /** [type, seconds from the push to its ACK]; at most MAX_SAMPLES between takes (the rest are counted in `dropped`). */
  acks: [string, number][];
  dropped: number;
}

const MAX_SAMPLES = 100_000;

export class XdsEventLog {
  private e: XdsEvents = { pushes: {}, nacks: {}, acks: [], dropped: 0 };

  pushed(type: string): void {
    this.e.pushes[type] = (this.e.pushes[type] ?? 0) + 1;
  }

  nacked(type: string): void {
    this.e.nacks[type] = (this.e.nacks[type] ?? 0) + 1;
  }

  acked(type: string, seconds: number): void {
    if (this.e.acks.length < MAX_SAMPLES) this.e.acks.push([type, seconds]);
    else this.e.dropped++;
  }

  /** Everything since the last take. */
  take(): XdsEvents {
    const out = this.e;
    this.e = { pushes: {}, nacks: {}, acks: [], dropped: 0 };
    return out;
  }
}

/** Adds `b` to `a` (the console keeps what the thread reported until the next scrape). */
export function mergeEvents(a: XdsEvents, b: XdsEvents): XdsEvents {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    for (const [k, v] of Object.entries(y)) x[k] = (x[k] ?? 0) + v;
    return x;
  };
  const room = Math.max(0, MAX_SAMPLES - a.acks.length);
  return { pushes: add(a.pushes, b.pushes), nacks: add(a.nacks, b.nacks), acks: a.acks.concat(b.acks.slice(0, room)), dropped: a.dropped + b.dropped + Math.max(0, b.acks.length - room) };
}
