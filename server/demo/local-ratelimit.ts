/**
 * Envoy's local rate limit (envoy.filters.http.local_ratelimit), as a demo
 * workload applies it to the calls it serves, from the configuration its
 * sidecar was sent: the inbound route's rate_limits actions make each
 * request's descriptors; a request whose descriptor matches a configured one
 * spends from that descriptor's token bucket (the most restrictive when
 * several match), any other request from the filter's default bucket; no
 * token, no service (HTTP 429, gRPC RESOURCE_EXHAUSTED). Pure but for the
 * clock passed in.
 *
 * Follows source/extensions/filters/http/local_ratelimit and
 * source/common/router/router_ratelimit.cc: an action that cannot produce its
 * entry (a header absent, a match failing) drops that whole descriptor.
 */

type Obj = Record<string, unknown>;
export type Entry = { key: string; value: string };

interface Bucket {
  maxTokens: number;
  tokensPerFill: number;
  fillMs: number;
  tokens: number;
  at: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** The configured descriptor whose bucket decided, e.g. "generic_key=Service[reviews.default]-Id[...]"; "default" for the filter's own bucket. */
  bucket: string;
}

const durationMs = (d: unknown): number => {
  if (typeof d === "string") return parseFloat(d) * 1000;
  const o = (d ?? {}) as Obj;
  return Number(o.seconds ?? 0) * 1000 + Number(o.nanos ?? 0) / 1e6;
};

function bucketOf(tb: unknown, now: number): Bucket {
  const o = (tb ?? {}) as Obj;
  const max = Number((o.max_tokens as number | undefined) ?? 0);
  const per = Number(((o.tokens_per_fill as Obj | undefined)?.value as number | undefined) ?? (o.tokens_per_fill as number | undefined) ?? 1);
  return { maxTokens: max, tokensPerFill: per, fillMs: Math.max(1, durationMs(o.fill_interval)), tokens: max, at: now };
}

/** Takes a token if there is one, refilling for the time passed (tokens_per_fill each fill_interval, up to max_tokens). */
function take(b: Bucket, now: number): boolean {
  const fills = Math.floor((now - b.at) / b.fillMs);
  if (fills > 0) {
    b.tokens = Math.min(b.maxTokens, b.tokens + fills * b.tokensPerFill);
    b.at += fills * b.fillMs;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/** A header matcher (envoy.config.route.v3.HeaderMatcher) against a request's headers. */
function headerMatches(m: Obj, headers: Record<string, string | undefined>): boolean {
  const v = headers[String(m.name).toLowerCase()];
  let ok: boolean;
  if (m.present_match) ok = v !== undefined;
  else if (v === undefined) ok = false;
  else {
    const s = (m.string_match ?? {}) as Obj;
    if (s.exact !== undefined) ok = v === s.exact;
    else if (s.prefix !== undefined) ok = v.startsWith(String(s.prefix));
    else if (s.suffix !== undefined) ok = v.endsWith(String(s.suffix));
    // JavaScript's engine, not RE2: the patterns were accepted by RE2 first (SX208), and on the demo the
    // two agree on them; a pattern whose meaning differs between the engines would match differently here.
    else if (s.safe_regex) ok = new RegExp(`^(?:${String((s.safe_regex as Obj).regex)})$`).test(v);
    else ok = false;
  }
  return m.invert_match ? !ok : ok;
}

/** The descriptor one rate_limits entry produces for a request, or undefined when an action cannot produce its entry. */
export function descriptorOf(rateLimit: Obj, req: { headers: Record<string, string | undefined>; remoteAddress: string }): Entry[] | undefined {
  const out: Entry[] = [];
  for (const a of (rateLimit.actions as Obj[] | undefined) ?? []) {
    if (a.generic_key) {
      const g = a.generic_key as Obj;
      out.push({ key: String(g.descriptor_key || "generic_key"), value: String(g.descriptor_value) });
    } else if (a.header_value_match) {
      const h = a.header_value_match as Obj;
      const all = ((h.headers as Obj[] | undefined) ?? []).every((m) => headerMatches(m, req.headers));
      const expect = h.expect_match === undefined ? true : Boolean((h.expect_match as Obj).value ?? h.expect_match);
      if (all !== expect) return undefined;
      out.push({ key: String(h.descriptor_key || "header_match"), value: String(h.descriptor_value) });
    } else if (a.request_headers) {
      const r = a.request_headers as Obj;
      const v = req.headers[String(r.header_name).toLowerCase()];
      if (v === undefined) return undefined;
      out.push({ key: String(r.descriptor_key), value: v });
    } else if (a.remote_address) {
      out.push({ key: "remote_address", value: req.remoteAddress });
    } else {
      // query_parameter_value_match and others: a gRPC call has no query string.
      return undefined;
    }
  }
  return out;
}

const sameEntries = (a: Entry[], b: Entry[]) => a.length === b.length && a.every((e, i) => e.key === b[i]!.key && e.value === b[i]!.value);

/** The local rate limit of one inbound route: its actions, its configured descriptors and their buckets. */
export class LocalRateLimit {
  private readonly defaultBucket: Bucket;
  private readonly descriptors: { entries: Entry[]; bucket: Bucket; name: string }[];

  constructor(
    private readonly rateLimits: Obj[],
    config: Obj,
    now: number,
  ) {
    this.defaultBucket = bucketOf(config.token_bucket, now);
    this.descriptors = ((config.descriptors as Obj[] | undefined) ?? []).map((d) => {
      const entries = ((d.entries as Obj[] | undefined) ?? []).map((e) => ({ key: String(e.key), value: String(e.value) }));
      return { entries, bucket: bucketOf(d.token_bucket, now), name: entries.map((e) => `${e.key}=${e.value}`).join(",") };
    });
  }

  /** Whether the request may go on, spending a token. */
  check(req: { headers: Record<string, string | undefined>; remoteAddress: string }, now: number): LimitDecision {
    const produced = this.rateLimits.map((r) => descriptorOf(r, req)).filter((d): d is Entry[] => d !== undefined);
    const matched = this.descriptors.filter((d) => produced.some((p) => sameEntries(p, d.entries)));
    if (matched.length === 0) return { allowed: take(this.defaultBucket, now), bucket: "default" };
    // The most restrictive first (fewest tokens per millisecond), as Envoy sorts them.
    const [tightest] = [...matched].sort((a, b) => a.bucket.tokensPerFill / a.bucket.fillMs - b.bucket.tokensPerFill / b.bucket.fillMs);
    return { allowed: take(tightest!.bucket, now), bucket: tightest!.name };
  }
}

/**
 * The local rate limit an inbound listener (decoded, Anys in place) puts on
 * the chain for `port`, or undefined when it has none. Reads what Envoy
 * reads: the HttpConnectionManager's http_filters must include the local
 * rate limit filter; the route's rate_limits and typed_per_filter_config.
 */
export function localRateLimitFor(listener: unknown, port: number, now: number): LocalRateLimit | undefined {
  const chains = ((listener as Obj | undefined)?.filter_chains as Obj[] | undefined) ?? [];
  const chain = chains.find((c) => Number(((c.filter_chain_match as Obj | undefined)?.destination_port as Obj | undefined)?.value) === port);
  const hcm = ((chain?.filters as Obj[] | undefined) ?? []).map((f) => f.typed_config as Obj | undefined).find((t) => t?.["@type"] === "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
  if (!hcm) return undefined;
  const filterOn = ((hcm.http_filters as Obj[] | undefined) ?? []).some((f) => f.name === "envoy.filters.http.local_ratelimit");
  const route = (((hcm.route_config as Obj | undefined)?.virtual_hosts as Obj[] | undefined)?.[0]?.routes as Obj[] | undefined)?.[0];
  const perRoute = (route?.typed_per_filter_config as Obj | undefined)?.["envoy.filters.http.local_ratelimit"] as Obj | undefined;
  if (!filterOn || !perRoute) return undefined;
  return new LocalRateLimit(((route!.route as Obj | undefined)?.rate_limits as Obj[] | undefined) ?? [], perRoute, now);
}
