import { z } from "zod";
import { dnsLabel as dnsLabelOf, validRegex } from "../mesh/names";

/**
 * Intent kinds and their specs: what an operator declares about one service.
 * These schemas validate API bodies and drive the forms, so both accept and
 * reject exactly the same things. Field names follow Istio's where the
 * concept is Istio's, so the generated objects read like the intent.
 * Plain data and zod only: safe to import from the browser.
 */

export const INTENT_KINDS = ["traffic-shift", "request-routing", "fault-injection", "timeouts-retries", "circuit-breaking", "mirroring", "load-balancer"] as const;
export type IntentKind = (typeof INTENT_KINDS)[number];

export const INTENT_KIND_LABELS: Record<IntentKind, string> = {
  "traffic-shift": "Traffic shifting",
  "request-routing": "Request routing",
  "fault-injection": "Fault injection",
  "timeouts-retries": "Timeouts and retries",
  "circuit-breaking": "Circuit breaking",
  mirroring: "Mirroring",
  "load-balancer": "Load balancer",
};

const dnsLabel = dnsLabelOf();
export const subsetName = z.string().min(1, "required").max(63).regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "must be a subset name (a version label value)");

/** The longest duration accepted (ten years): longer ones overflow Istio's CEL duration() and Envoy's limits. */
export const MAX_DURATION_MS = 87_600 * 3_600_000;

/** Istio durations: a number and a unit (ms, s, m, h), e.g. 7s, 0.5s, 100ms. At least 1ms, as Istio's schema requires; at most 87600h. */
export const duration = z
  .string()
  .max(32, "must be a duration such as 100ms, 7s or 1m")
  .regex(/^(\d+(\.\d+)?(h|m|s|ms))+$/, "must be a duration such as 100ms, 7s or 1m")
  .refine((d) => durationMs(d) >= 1, "must be at least 1ms")
  .refine((d) => durationMs(d) <= MAX_DURATION_MS, "must be at most 87600h (ten years)");

export function durationMs(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) total += Number(n) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[unit as "h" | "m" | "s" | "ms"];
  return total;
}

export const percentage = z.number({ error: "must be a number" }).min(0, "must be between 0 and 100").max(100, "must be between 0 and 100");


/** One way of matching a string, as Istio's StringMatch. */
export const stringMatch = z.union(
  [
    z.strictObject({ exact: z.string().min(1, "must not be empty") }),
    z.strictObject({ prefix: z.string().min(1, "must not be empty") }),
    z.strictObject({ regex: z.string().min(1, "must not be empty").max(1024).refine(validRegex, "is not a valid regular expression") }),
  ],
  { error: "must be one of {exact}, {prefix} or {regex}" },
);
export type StringMatch = z.infer<typeof stringMatch>;

const headerName = z.string().regex(/^[a-z0-9-]+$/, "must be a lowercase header name").max(256);

export const requestMatch = z
  .strictObject({
    headers: z.record(headerName, stringMatch).optional(),
    uri: stringMatch.optional(),
    method: stringMatch.optional(),
    queryParams: z.record(z.string().min(1).max(256), stringMatch).optional(),
  })
  .refine((m) => m.headers || m.uri || m.method || m.queryParams, "must match on at least one of headers, uri, method, queryParams");
export type RequestMatch = z.infer<typeof requestMatch>;

export const weightedSubset = z.strictObject({
  subset: subsetName,
  weight: z.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be between 0 and 100").max(100, "must be between 0 and 100"),
});

export const trafficShiftSpec = z.strictObject({
  protocol: z.enum(["http", "tcp"], { error: "must be http or tcp" }).default("http"),
  weights: z.array(weightedSubset).min(1, "needs at least one subset").max(32),
});

export const requestRoutingSpec = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        name: dnsLabel.optional(),
        /** Alternatives: the rule applies when any of them matches. */
        match: z.array(requestMatch).min(1, "needs at least one match").max(16),
        route: z.array(weightedSubset).min(1, "needs at least one subset").max(32),
      }),
    )
    .min(1, "needs at least one rule")
    .max(64),
});

export const faultInjectionSpec = z
  .strictObject({
    /** Only requests matching one of these; absent: every request. */
    match: z.array(requestMatch).min(1).max(16).optional(),
    delay: z.strictObject({ fixedDelay: duration, percentage }).optional(),
    abort: z.strictObject({ httpStatus: z.number({ error: "must be a number" }).int().min(200, "must be an HTTP status 200-599").max(599, "must be an HTTP status 200-599"), percentage }).optional(),
  })
  .refine((f) => f.delay || f.abort, "needs a delay, an abort, or both");

const RETRY_ON = ["5xx", "gateway-error", "reset", "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];
export const timeoutsRetriesSpec = z
  .strictObject({
    timeout: duration.optional(),
    retries: z
      .strictObject({
        attempts: z.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be 0 or more").max(100),
        perTryTimeout: duration.optional(),
        retryOn: z
          .array(z.enum(RETRY_ON as [string, ...string[]], { error: `must be one of ${RETRY_ON.join(", ")}` }))
          .max(RETRY_ON.length)
          .optional(),
      })
      .optional(),
  })
  .refine((t) => t.timeout || t.retries, "needs a timeout, retries, or both");

const positiveInt = z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(2 ** 31 - 1);
export const circuitBreakingSpec = z
  .strictObject({
    connectionPool: z
      .strictObject({
        tcp: z.strictObject({ maxConnections: positiveInt.optional(), connectTimeout: duration.optional() }).optional(),
        http: z
          .strictObject({
            http1MaxPendingRequests: positiveInt.optional(),
            http2MaxRequests: positiveInt.optional(),
            maxRequestsPerConnection: positiveInt.optional(),
            maxRetries: positiveInt.optional(),
          })
          .optional(),
      })
      .optional(),
    outlierDetection: z
      .strictObject({
        consecutive5xxErrors: z.number().int().min(0).max(2 ** 31 - 1).optional(),
        interval: duration.optional(),
        baseEjectionTime: duration.optional(),
        maxEjectionPercent: z.number().int().min(0).max(100).optional(),
      })
      .optional(),
  })
  .refine((c) => c.connectionPool || c.outlierDetection, "needs connectionPool, outlierDetection, or both");

export const mirroringSpec = z.strictObject({ subset: subsetName, percentage });

export const loadBalancerSpec = z.union(
  [
    z.strictObject({ simple: z.enum(["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH"], { error: "must be ROUND_ROBIN, LEAST_REQUEST, RANDOM or PASSTHROUGH" }) }),
    z.strictObject({
      consistentHash: z.union(
        [
          z.strictObject({ httpHeaderName: z.string().min(1).max(256) }),
          z.strictObject({ useSourceIp: z.literal(true) }),
          z.strictObject({ httpCookie: z.strictObject({ name: z.string().min(1).max(256), ttl: duration.optional() }) }),
        ],
        { error: "must be one of {httpHeaderName}, {useSourceIp: true}, {httpCookie}" },
      ),
    }),
  ],
  { error: "must be {simple} or {consistentHash}" },
);

export const specSchemas = {
  "traffic-shift": trafficShiftSpec,
  "request-routing": requestRoutingSpec,
  "fault-injection": faultInjectionSpec,
  "timeouts-retries": timeoutsRetriesSpec,
  "circuit-breaking": circuitBreakingSpec,
  mirroring: mirroringSpec,
  "load-balancer": loadBalancerSpec,
} as const;

export type SpecOf<K extends IntentKind> = z.infer<(typeof specSchemas)[K]>;

/** An intent as the translator sees it: kind, the service it is about, and its spec. */
export type IntentDraft = { [K in IntentKind]: { kind: K; namespace: string; target: string; spec: SpecOf<K> } }[IntentKind];

const envelope = <K extends IntentKind>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), namespace: dnsLabel, target: dnsLabel, spec: specSchemas[kind] as (typeof specSchemas)[K] });

export const intentDraftSchema = z.discriminatedUnion(
  "kind",
  [
    envelope("traffic-shift"),
    envelope("request-routing"),
    envelope("fault-injection"),
    envelope("timeouts-retries"),
    envelope("circuit-breaking"),
    envelope("mirroring"),
    envelope("load-balancer"),
  ],
  { error: `kind must be one of ${INTENT_KINDS.join(", ")}` },
);
