import { UnavailableError } from "../../errors";
import type { MeshRegistry } from "../../mesh/registry";
import type { TrafficSource } from "../source";
import { buildGraph } from "./build";
import { type ResponseTime, fetchGraphSamples } from "./fetch";
import type { HealthRule } from "./health";
import type { Graph, GraphType } from "./types";

/**
 * Serves graphs: fetch samples, build, and keep the answer for a few seconds
 * so many browsers on the same view cost one set of queries. Concurrent
 * requests for the same view share one computation (single flight).
 */
export interface GraphRequest {
  namespaces: string[];
  graphType: GraphType;
  windowSeconds: number;
  idle: boolean;
  injectServiceNodes: boolean;
  /** Latency on edges: none (cheapest), avg, or one quantile (reads the histograms). */
  responseTime: ResponseTime;
}

export interface GraphServiceOptions {
  source: TrafficSource | undefined;
  registry: MeshRegistry;
  cacheSeconds: number;
  healthRules: HealthRule[];
  /** Queries in flight at once per graph. */
  concurrency?: number;
  now?: () => Date;
}

export class GraphService {
  private readonly cache = new Map<string, { at: number; graph: Graph }>();
  private readonly inflight = new Map<string, Promise<Graph>>();

  constructor(private readonly opts: GraphServiceOptions) {}

  get source(): TrafficSource | undefined {
    return this.opts.source;
  }

  async graph(req: GraphRequest): Promise<Graph> {
    const source = this.requireSource();
    const key = JSON.stringify({ ...req, namespaces: [...req.namespaces].sort() });
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.opts.cacheSeconds * 1000) return hit.graph;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.compute(source, req).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const graph = await p;
    if (this.opts.cacheSeconds > 0) {
      this.cache.set(key, { at: Date.now(), graph });
      this.evict();
    }
    return graph;
  }

  private async compute(source: TrafficSource, req: GraphRequest): Promise<Graph> {
    const at = this.opts.now?.() ?? new Date();
    const samples = await fetchGraphSamples(source, req.namespaces, req.windowSeconds, at, this.opts.concurrency ?? 8, req.responseTime);
    const { responseTime: _unused, ...build } = req;
    return buildGraph(samples, {
      ...build,
      healthRules: this.opts.healthRules,
      timestamp: at,
      source: { kind: source.kind, description: source.description },
      mesh: this.opts.registry.snapshot(),
    });
  }

  requireSource(): TrafficSource {
    if (!this.opts.source) {
      throw new UnavailableError("metrics", "no metrics source: set PROMETHEUS_URL, or turn the demo mesh on (SEXTANT_DEMO=true) to use its own telemetry");
    }
    return this.opts.source;
  }

  private evict(): void {
    const limit = Math.max(this.opts.cacheSeconds, 1) * 1000;
    const now = Date.now();
    for (const [k, v] of this.cache) if (now - v.at > limit) this.cache.delete(k);
  }
}

