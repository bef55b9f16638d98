import { unifiedDiff } from "../diff";
import { oneLocalFilterPerWorkload } from "./local-filter";
import { describeError } from "../errors";
import type { Logger } from "../log";
import type { MeshRegistry } from "../mesh/registry";
import { validateAgainstCrd } from "../translate/crd";
import { toYaml } from "../translate/yaml";
import type { InboundPolicy } from "../xds/snapshot";
import { type EnvoyFilterObject, type LimiterPlacement, type RateLimitService, type RlsDescriptor, envoyFilters, inboundPolicies, rlsConfigMap, rlsDescriptors } from "./envoyfilter";
import { type Evaluation, evaluateLimiter } from "./evaluate";
import { type MetricInputs, collectMetrics, cycleQueries, fetchTelemetry, limiterPods, readsTelemetry } from "./metrics";
import { BASE_SET, type SmartLimiter } from "./schema";

/**
 * Re-evaluates every SmartLimiter on an interval (default 30 s) and when the
 * mesh's endpoints change (debounced): metric values -> conditions and quotas
 * -> EnvoyFilters, the rate limit service's ConfigMap, and inbound policies
 * for Sextant's own xDS. The result is each limiter's status. When a
 * limiter's EnvoyFilters change, the previous ones and a diff are kept for
 * the UI; when the inbound policies change, xDS is told to rebuild.
 */
export interface StoredLimiter {
  id: string;
  revision: number;
  limiter: SmartLimiter;
}

export interface LimiterStatus {
  id: string;
  revision: number;
  namespace: string;
  name: string;
  evaluation: Evaluation | undefined;
  /** Metrics that could not be read, and why. */
  problems: string[];
  envoyFilters: EnvoyFilterObject[];
  yaml: string;
  /** When the generated EnvoyFilters last changed, and what they were before (see diffOf). */
  changedAt: string | undefined;
  previousYaml: string;
}

const diffs = new WeakMap<LimiterStatus, string>();

/** How a limiter's EnvoyFilters last changed: a unified diff, made once per status. */
export function diffOf(s: LimiterStatus): string {
  let d = diffs.get(s);
  if (d === undefined) {
    const key = `${s.namespace}/${s.name}`;
    d = unifiedDiff(`${key} (before)`, `${key} (now)`, s.previousYaml, s.yaml);
    diffs.set(s, d);
  }
  return d;
}

export interface LimiterControllerOptions {
  registry: MeshRegistry;
  /** The limiters in the store; undefined while the store is unavailable. */
  load: () => Promise<StoredLimiter[] | undefined>;
  inputs: () => Omit<MetricInputs, "mesh">;
  intervalMs: number;
  rls: RateLimitService;
  /** Called when the inbound policies for xDS changed. */
  onPolicies: () => void;
  /** Called when some limiter's EnvoyFilters changed (cluster auto-apply writes them). */
  onEnvoyFilters?: () => void;
  log: Logger;
  debounceMs?: number;
  /** Replicas: only the leader evaluates and saves its results here; the others serve the saved results. */
  shared?: SharedResults;
}

/** Every limiter's results and the last cycle, as the leader saved them. */
export interface LimiterResults {
  parts: [string, LimiterPart][];
  lastCycle: LimiterController["lastCycle"];
  /** The generated objects as the leader made them (placement reads its view of the mesh). */
  objects: GeneratedObject[];
}

type GeneratedObject = { kind: string; namespace: string; name: string; yaml: string; object: unknown };

export interface SharedResults {
  /** Does this replica evaluate (and save), or follow? */
  leading(): boolean;
  save(results: LimiterResults): Promise<void>;
  /** The saved results; undefined when none were saved or they cannot be read now. */
  load(): Promise<LimiterResults | undefined>;
}

/** Why a limiter generates nothing: it selects no workload. */
export function unplacedProblem(l: SmartLimiter): string {
  return `no service ${l.metadata.namespace}/${l.metadata.name} in the mesh and no spec.workloadSelector: the limiter selects no pods, so nothing is generated`;
}

export function placementOf(l: SmartLimiter, mesh: Parameters<typeof limiterPods>[1]): LimiterPlacement {
  const setLabels: Record<string, Record<string, string>> = {};
  for (const set of Object.keys(l.spec.sets)) if (set !== BASE_SET) setLabels[set] = { version: set };
  return { selector: limiterPods(l, mesh).selector, setLabels };
}

export class LimiterController {
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Evaluations run one at a time, in the order asked. */
  private running: Promise<void> = Promise.resolve();
  private statuses = new Map<string, LimiterStatus>();
  private parts = new Map<string, LimiterPart>();
  private policyList: InboundPolicy[] = [];
  /** The rate limit service's ConfigMap, made when first asked for after a change (null: none needed). */
  private configMap: Record<string, unknown> | null | undefined = null;
  lastCycle: { at: string; ms: number; limiters: number; error?: string } | undefined;
  /** Following: the leader's generated objects. */
  private followed: GeneratedObject[] | undefined;

  constructor(private readonly opts: LimiterControllerOptions) {}

  start(): Promise<void> {
    this.unsubscribe = this.opts.registry.onChange(() => this.schedule());
    this.timer = setInterval(() => void this.evaluateNow(), this.opts.intervalMs);
    this.timer.unref();
    return this.evaluateNow();
  }

  /** No new cycles; resolves when the work under way (an evaluation and its save) has finished. */
  stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    return this.running;
  }

  /** Endpoints changed: evaluate soon (pod counts and selections move). */
  schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.evaluateNow(), this.opts.debounceMs ?? 500);
    this.debounce.unref();
  }

  status(): LimiterStatus[] {
    return [...this.statuses.values()].sort((a, b) => (a.namespace + "/" + a.name < b.namespace + "/" + b.name ? -1 : 1));
  }

  policies(): InboundPolicy[] {
    return this.policyList;
  }

  /** Every object the limiters generate now: their EnvoyFilters and (if any global limit) the rate limit service's ConfigMap. */
  objects(): GeneratedObject[] {
    if (this.followed) return this.followed;
    // Across limiters, the local rate limit filter is inserted once per workload (as Slime does).
    const all = oneLocalFilterPerWorkload(this.status().flatMap((s) => s.envoyFilters), this.opts.registry.snapshot());
    const efs = all.map((o) => ({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, yaml: toYaml([o]), object: o as unknown }));
    if (this.configMap === undefined) {
      const global = [...this.parts.values()].flatMap((p) => p.global);
      this.configMap = global.length ? rlsConfigMap(global, this.opts.rls) : null;
    }
    const cm = this.configMap as { kind: string; metadata: { namespace: string; name: string } } | null;
    return cm ? [...efs, { kind: cm.kind, namespace: cm.metadata.namespace, name: cm.metadata.name, yaml: toYaml([cm]), object: cm as unknown }] : efs;
  }

  /** The metric values a limiter would read now (for previews of limiters not stored yet). */
  metricsFor(l: SmartLimiter): ReturnType<typeof collectMetrics> {
    return collectMetrics(l, { ...this.opts.inputs(), mesh: this.opts.registry.snapshot() });
  }

  /** One evaluation cycle now (cycles never overlap); resolves when its results are published. A follower takes the leader's saved results instead. */
  evaluateNow(): Promise<void> {
    return this.queue(async () => {
      if (this.following()) await this.follow();
      else await this.cycle();
    });
  }

  private following(): boolean {
    return this.opts.shared !== undefined && !this.opts.shared.leading();
  }

  /** A follower: the leader's saved results become what is in force here (same statuses, same policies, same xDS). */
  private async follow(): Promise<LimiterResults | undefined> {
    const saved = await this.opts.shared!.load().catch(() => undefined);
    if (!saved) return undefined;
    this.publish(new Map(saved.parts));
    this.lastCycle = saved.lastCycle;
    this.followed = saved.objects;
    return saved;
  }

  /** The leader: what is in force now, for the followers. A failed save leaves them on the previous results. */
  private async share(): Promise<void> {
    // Asked right before the write: a replica that stopped leading mid-cycle saves nothing.
    if (!this.opts.shared?.leading()) return;
    try {
      this.followed = undefined;
      await this.opts.shared.save({ parts: [...this.parts], lastCycle: this.lastCycle, objects: this.objects() });
    } catch (e) {
      this.opts.log.warn("could not save the limiters' results for the other replicas", { error: describeError(e) });
    }
  }

  /**
   * A limiter just saved: evaluate it alone (not every limiter) and publish,
   * after any cycle under way, so the answer to a save carries its status.
   */
  evaluateOne(stored: StoredLimiter): Promise<void> {
    return this.queue(async () => {
      if (this.following()) return this.awaitLeader(stored);
      const at = new Date();
      try {
        const inputs = { ...this.opts.inputs(), mesh: this.opts.registry.snapshot() };
        const part = await this.evaluated(stored, inputs.prometheus ? { ...inputs, query: cycleQueries(inputs.prometheus, at) } : inputs, at);
        const parts = new Map([...this.parts].filter(([, p]) => p.status.id !== stored.id));
        parts.set(`${stored.limiter.metadata.namespace}/${stored.limiter.metadata.name}`, part);
        this.publish(parts);
        await this.share();
      } catch (e) {
        // As in a cycle: the saved revision stays stored, its status says it was not evaluated (current: false),
        // and the page's "last evaluation failed" banner says why until the next cycle succeeds.
        const key = `${stored.limiter.metadata.namespace}/${stored.limiter.metadata.name}`;
        this.lastCycle = { ...(this.lastCycle ?? { at: at.toISOString(), ms: 0, limiters: this.statuses.size }), error: `evaluating ${key} after its save failed: ${describeError(e)}` };
        this.opts.log.error("SmartLimiter evaluation failed; the last results stay in force", { limiter: stored.id, error: describeError(e) });
      }
    });
  }

  /** A limiter just deleted: its EnvoyFilters, limits and status go now, not at the next cycle. */
  forget(id: string): Promise<void> {
    return this.queue(async () => {
      this.publish(new Map([...this.parts].filter(([, p]) => p.status.id !== id)));
      if (!this.following()) await this.share();
    });
  }

  /**
   * A follower saved a limiter: the leader hears of it (the save's NOTIFY), evaluates and saves;
   * this replica takes those results when they hold the saved revision (waiting up to `ms`), so
   * the answer to the save carries the leader's evaluation. Past that, the status says "not evaluated yet".
   */
  private async awaitLeader(stored: StoredLimiter, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const saved = await this.follow();
      if (saved?.parts.some(([, p]) => p.status.id === stored.id && p.status.revision >= stored.revision) || Date.now() > end) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private queue(work: () => Promise<void>): Promise<void> {
    const next = this.running.then(work);
    // One failed piece of work does not stop the ones queued after it.
    this.running = next.catch(() => undefined);
    return next;
  }

  /** One limiter: metrics, evaluation, EnvoyFilters (schema-checked when they change), and its part of the policies and RLS descriptors. */
  private async evaluated({ id, revision, limiter: l }: StoredLimiter, inputs: MetricInputs, at: Date): Promise<LimiterPart> {
    const key = `${l.metadata.namespace}/${l.metadata.name}`;
    const { values, problems } = await collectMetrics(l, inputs, at);
    const evaluation = evaluateLimiter(l, values, at);
    const place = placementOf(l, inputs.mesh);
    // An empty workload selector would select every workload of the namespace.
    const selects = Object.keys(place.selector).length > 0;
    if (!selects) problems.unshift(unplacedProblem(l));
    const efs = selects ? envoyFilters(l, evaluation, place, this.opts.rls) : [];
    const yaml = toYaml(efs);
    const prev = this.parts.get(key)?.status;
    // Checked against Istio's schema when they change (the same YAML passed before).
    if (prev?.yaml !== yaml) {
      for (const ef of efs) {
        const bad = validateAgainstCrd(ef);
        if (bad.length) throw new Error(`generated EnvoyFilter ${ef.metadata.namespace}/${ef.metadata.name} does not pass Istio's schema: ${bad.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
      }
    }
    const changed = prev !== undefined && prev.yaml !== yaml;
    const policies = selects ? inboundPolicies(l, evaluation, place) : [];
    return {
      status: {
        id,
        revision,
        namespace: l.metadata.namespace,
        name: l.metadata.name,
        evaluation,
        problems,
        envoyFilters: efs,
        yaml,
        changedAt: changed || !prev ? at.toISOString() : prev.changedAt,
        // The diff is made when someone asks for it (see diffOf), not on every cycle.
        previousYaml: changed ? prev.yaml : (prev?.previousYaml ?? ""),
      },
      policies,
      policyKey: JSON.stringify(policies),
      global: selects ? rlsDescriptors(l, evaluation) : [],
    };
  }

  /**
   * Makes `parts` what is in force: statuses, the RLS ConfigMap (remade when
   * next asked for), and the inbound policies for xDS, which are rebuilt and
   * announced only when some limiter's policies changed.
   */
  private publish(parts: Map<string, LimiterPart>): void {
    const before = this.parts;
    this.parts = parts;
    this.statuses = new Map([...parts].map(([k, p]) => [k, p.status]));
    this.configMap = undefined;
    const filtersChanged = [...parts].some(([k, p]) => before.get(k)?.status.yaml !== p.status.yaml) || [...before].some(([k, p]) => !parts.has(k) && p.status.yaml !== "");
    if (filtersChanged) this.opts.onEnvoyFilters?.();
    // A limiter with no policies counts the same as no limiter.
    const changed = [...parts].some(([k, p]) => (before.get(k)?.policyKey ?? NO_POLICIES) !== p.policyKey) || [...before].some(([k, p]) => !parts.has(k) && p.policyKey !== NO_POLICIES);
    if (!changed) return;
    const policies = [...parts.values()].flatMap((p) => p.policies);
    policies.sort((a, b) => (`${a.namespace}/${JSON.stringify(a.selector)}/${a.port}` < `${b.namespace}/${JSON.stringify(b.selector)}/${b.port}` ? -1 : 1));
    this.policyList = policies;
    this.opts.onPolicies();
  }

  private async cycle(): Promise<void> {
    const started = performance.now();
    const at = new Date();
    try {
      const limiters = await this.opts.load();
      if (!limiters) {
        this.lastCycle = { at: at.toISOString(), ms: 0, limiters: 0, error: "the database is unavailable; the last results stay in force" };
        return;
      }
      const mesh = this.opts.registry.snapshot();
      const base = this.opts.inputs();
      // Request telemetry for every limiter that reads it: two queries per cycle, not a few per limiter.
      const readers = limiters.filter((x) => readsTelemetry(x.limiter));
      const telemetry =
        base.traffic && readers.length
          ? await fetchTelemetry(base.traffic, readers.map((x) => x.limiter.metadata.namespace), base.windowSeconds, at).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))
          : undefined;
      const inputs = { ...base, mesh, ...(telemetry ? { telemetry } : {}), ...(base.prometheus ? { query: cycleQueries(base.prometheus, at) } : {}) };
      const evaluated = await Promise.all(limiters.map(async (x) => [`${x.limiter.metadata.namespace}/${x.limiter.metadata.name}`, await this.evaluated(x, inputs, at)] as const));
      this.publish(new Map(evaluated));
      this.lastCycle = { at: at.toISOString(), ms: Math.round(performance.now() - started), limiters: limiters.length };
      await this.share();
    } catch (e) {
      this.lastCycle = { at: at.toISOString(), ms: Math.round(performance.now() - started), limiters: this.statuses.size, error: describeError(e) };
      this.opts.log.error("SmartLimiter evaluation failed; the last results stay in force", { error: describeError(e) });
    }
  }
}

const NO_POLICIES = "[]";

/** What one limiter contributes: its status, its inbound policies for xDS, its rate limit service descriptors. */
export interface LimiterPart {
  status: LimiterStatus;
  policies: InboundPolicy[];
  /** The policies as JSON, to tell whether they changed. */
  policyKey: string;
  global: RlsDescriptor[];
}
