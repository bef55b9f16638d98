import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import { describeError } from "../errors";
import type { Logger } from "../log";
import { withTimeout } from "../timeout";
import { Elector } from "./leadership";

/**
 * Leadership from a Kubernetes Lease (coordination.k8s.io/v1), as client-go's leaderelection
 * package does it, written with @kubernetes/client-node's CoordinationV1Api (which has no
 * election helper). Every `retryMs` a replica reads the Lease: a holder other than itself is
 * respected while the record it last saw changing is younger than the lease duration, timed
 * on this replica's own clock (clocks of replicas are never compared); otherwise it writes
 * itself in with the resourceVersion it read, so of two replicas trying at once one gets 409.
 * The leader renews the same way; if no renewal succeeded for `renewDeadlineMs` it stops
 * leading, before the lease (`leaseMs`) can expire for the others. `leading` itself checks the
 * age of the last renewal, so a writer asking it never writes on a stale lease even if this
 * replica's timers are late. On stop, the leader releases the Lease (empty holder) so another
 * replica takes it at its next try instead of waiting out the lease.
 *
 * MicroTime: the API server parses acquireTime/renewTime with exactly six fractional digits
 * (transcript 10 records the 400 for JavaScript's three), so times are sent as V1MicroTime.
 */
export interface LeaseSettings {
  namespace: string;
  name: string;
  /** This replica: the pod name and a random suffix (as client-go's examples use). */
  identity: string;
  /** client-go's defaults: 15 s, 10 s, 2 s. */
  leaseMs?: number;
  renewDeadlineMs?: number;
  retryMs?: number;
}

type Spec = NonNullable<V1Lease["spec"]>;

/** A lease time as the API server accepts it (six fractional digits), whatever form it came in. */
export function microTime(t: Date | string): V1MicroTime {
  return new V1MicroTime(typeof t === "string" ? Date.parse(t) : t.getTime());
}

function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

export class LeaseLeader extends Elector {
  readonly kind = "kubernetes-lease";
  private client: CoordinationV1Api | undefined;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private busy: Promise<void> | undefined;
  /** When this replica last renewed (its own clock). */
  private renewedAt = 0;
  /** The holder's record as last seen, and when it was first seen (this replica's clock). */
  private observed: { key: string; at: number } | undefined;
  private lastProblem: string | undefined;

  /** `cluster`: the cluster's configuration, or how to read it (read again at each try until it can be: a kubeconfig that cannot be read is a failed try, not a failed start). */
  constructor(
    private readonly cluster: KubeConfig | (() => KubeConfig),
    private readonly s: LeaseSettings,
    log: Logger,
  ) {
    super(log, s.retryMs ?? 2_000);
    this.leaseMs = s.leaseMs ?? 15_000;
    this.renewDeadlineMs = s.renewDeadlineMs ?? 10_000;
    if (!(this.retryMs < this.renewDeadlineMs && this.renewDeadlineMs < this.leaseMs)) throw new Error("lease timings: retry < renew deadline < lease duration");
  }

  override get leading(): boolean {
    return this.isLeading && Date.now() - this.renewedAt < this.renewDeadlineMs;
  }

  get identity(): string {
    return this.s.identity;
  }

  get timings(): { leaseMs: number; renewDeadlineMs: number; retryMs: number } {
    return { leaseMs: this.leaseMs, renewDeadlineMs: this.renewDeadlineMs, retryMs: this.retryMs };
  }

  protected override set(leading: boolean, why: string): void {
    super.set(leading, why, { lease: `${this.s.namespace}/${this.s.name}`, identity: this.s.identity });
  }

  private get api(): CoordinationV1Api {
    this.client ??= (typeof this.cluster === "function" ? this.cluster() : this.cluster).makeApiClient(CoordinationV1Api);
    return this.client;
  }

  /** One call, bounded: a hung API server counts as a failed try. */
  private timed<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, Math.max(this.retryMs, Math.floor(this.renewDeadlineMs / 2)), "no answer from the Kubernetes API");
  }

  protected tick(): Promise<void> {
    if (this.busy || this.stopped) return this.busy ?? Promise.resolve();
    this.busy = this.tryAcquireOrRenew()
      .catch((e: unknown) => this.failed(e))
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private failed(e: unknown): void {
    const problem = statusOf(e) === 409 ? "another replica wrote the lease first (409)" : describeError(e);
    if (this.isLeading && Date.now() - this.renewedAt >= this.renewDeadlineMs) this.set(false, `could not renew the lease within ${this.renewDeadlineMs} ms: ${problem}`);
    if (problem !== this.lastProblem) this.log.warn("lease: this try failed", { problem, leading: this.leading });
    this.lastProblem = problem;
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.timed(this.api.readNamespacedLease({ name: this.s.name, namespace: this.s.namespace }));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const lease = await this.read();
    const now = new Date();
    const me = this.s.identity;
    const seconds = Math.ceil(this.leaseMs / 1000);
    if (!lease) {
      const body: V1Lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.s.name, namespace: this.s.namespace }, spec: { holderIdentity: me, leaseDurationSeconds: seconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 } };
      await this.timed(this.api.createNamespacedLease({ namespace: this.s.namespace, body }));
      return this.won("created the lease");
    }
    const spec: Spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const key = JSON.stringify([holder, String(spec.renewTime ?? ""), spec.leaseTransitions ?? 0]);
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    const validFor = (spec.leaseDurationSeconds ?? seconds) * 1000;
    if (holder && holder !== me && Date.now() - this.observed.at < validFor) {
      this.set(false, `the lease is held by ${holder}`);
      return;
    }
    const mine = holder === me;
    const next: V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: me,
        leaseDurationSeconds: seconds,
        renewTime: microTime(now),
        acquireTime: mine && spec.acquireTime ? microTime(spec.acquireTime) : microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    await this.timed(this.api.replaceNamespacedLease({ name: this.s.name, namespace: this.s.namespace, body: next }));
    this.won(mine ? "renewed" : holder ? `took over the lease from ${holder}` : "took the released lease");
  }

  private won(why: string): void {
    if (this.stopped) return;
    this.renewedAt = Date.now();
    this.lastProblem = undefined;
    this.set(true, why);
  }

  async stop(): Promise<void> {
    this.stopTrying();
    await this.busy?.catch(() => undefined);
    const wasLeading = this.leading;
    this.set(false, "stopping");
    if (!wasLeading) return;
    // Release: an empty holder lets another replica take the lease at its next try.
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity !== this.s.identity) return;
      const now = microTime(new Date());
      await this.timed(this.api.replaceNamespacedLease({ name: this.s.name, namespace: this.s.namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now } } }));
    } catch (e) {
      this.log.warn("could not release the lease; another replica takes it when it expires", { error: describeError(e) });
    }
  }
}
