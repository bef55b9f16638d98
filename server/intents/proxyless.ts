import { stringMatches } from "./routes";
import type { IntentDraft, RequestMatch } from "./schemas";

/**
 * What proxyless gRPC clients cannot honour in an intent, and what they get
 * instead: the SX3xx findings. Pure. The xDS builder (server/xds/routes.ts,
 * clusters.ts) makes exactly these changes for proxyless clients; Envoy
 * sidecars get the intent in full. Checked against what grpc-node's xDS
 * client implements (gRFCs A27, A28, A31, A32, A33, A42, A44, A50), not
 * against Envoy's documentation.
 */
export const PROXYLESS_CODES = {
  SX301: "proxyless gRPC clients use round robin instead",
  SX302: "proxyless gRPC clients hash by channel instead",
  SX303: "proxyless gRPC calls carry no query string: this match never matches them",
  SX304: "every gRPC call is a POST",
  SX305: "proxyless gRPC clients do not mirror requests",
  SX306: "proxyless gRPC clients ignore per-try timeouts",
  SX307: "proxyless gRPC clients retry on gRPC status codes only",
  SX308: "proxyless gRPC clients have no consecutive-error ejection",
  SX309: "proxyless gRPC clients limit only concurrent requests",
} as const;
export type ProxylessCode = keyof typeof PROXYLESS_CODES;

export interface ProxylessGap {
  code: ProxylessCode;
  path: string;
  detail: string;
}

/** gRPC status codes gRPC's xDS retry policy understands (gRFC A44). */
export const GRPC_RETRY_ON = ["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];
/** Envoy's HTTP-level conditions whose failure reaches a gRPC client as UNAVAILABLE. */
export const RETRY_AS_UNAVAILABLE = ["5xx", "gateway-error", "reset", "connect-failure", "refused-stream"];
/** gRPC allows at most 5 attempts (gRFC A6). */
export const GRPC_MAX_ATTEMPTS = 5;
/** What proxyless gRPC gets instead of consecutive-5xx ejection (gRFC A50 has only success rate and failure percentage). */
export const FAILURE_PERCENTAGE_THRESHOLD = 85;
export const FAILURE_PERCENTAGE_MIN_HOSTS = 2;

/** gRPC's answer to a retry_on list: the codes it retries on; conditions mapped to unavailable; those it cannot take. */
export function grpcRetryOn(retryOn: string[]): { codes: string[]; mapped: string[]; dropped: string[] } {
  const codes = new Set<string>();
  const mapped: string[] = [];
  const dropped: string[] = [];
  for (const c of retryOn) {
    if (GRPC_RETRY_ON.includes(c)) codes.add(c);
    else if (RETRY_AS_UNAVAILABLE.includes(c)) {
      codes.add("unavailable");
      mapped.push(c);
    } else dropped.push(c);
  }
  return { codes: [...codes].sort(), mapped, dropped };
}

export function proxylessGaps(intent: IntentDraft): ProxylessGap[] {
  const out: ProxylessGap[] = [];
  const matches = (ms: RequestMatch[], path: string) =>
    ms.forEach((m, j) => {
      if (m.queryParams && Object.keys(m.queryParams).length) out.push({ code: "SX303", path: `${path}[${j}].queryParams`, detail: "the route is left out for them" });
      if (m.method) {
        const post = stringMatches(m.method, "POST");
        out.push({ code: "SX304", path: `${path}[${j}].method`, detail: post ? "this method match always holds for them" : "this method match never holds for them: the route is left out" });
      }
    });
  switch (intent.kind) {
    case "load-balancer": {
      const lb = intent.spec;
      if ("simple" in lb && lb.simple !== "ROUND_ROBIN") out.push({ code: "SX301", path: "spec.simple", detail: `gRPC has no ${lb.simple} load balancer` });
      if ("consistentHash" in lb && !("httpHeaderName" in lb.consistentHash)) {
        out.push({ code: "SX302", path: "spec.consistentHash", detail: `gRPC cannot hash by ${"httpCookie" in lb.consistentHash ? "cookie" : "source IP"}; each client channel keeps to one endpoint` });
      }
      break;
    }
    case "request-routing":
      intent.spec.rules.forEach((r, i) => matches(r.match, `spec.rules[${i}].match`));
      break;
    case "fault-injection":
      if (intent.spec.match) matches(intent.spec.match, "spec.match");
      break;
    case "mirroring":
      out.push({ code: "SX305", path: "spec", detail: "the mirror receives copies from Envoy sidecars only" });
      break;
    case "timeouts-retries": {
      const r = intent.spec.retries;
      if (!r) break;
      if (r.perTryTimeout) out.push({ code: "SX306", path: "spec.retries.perTryTimeout", detail: "only the overall timeout applies" });
      const { mapped, dropped } = grpcRetryOn(r.retryOn ?? []);
      const parts = [
        ...(mapped.length ? [`${mapped.join(", ")} become unavailable`] : []),
        ...(dropped.length ? [`${dropped.join(", ")} are not retried`] : []),
        ...(r.attempts > GRPC_MAX_ATTEMPTS - 1 ? [`at most ${GRPC_MAX_ATTEMPTS - 1} retries (gRPC allows ${GRPC_MAX_ATTEMPTS} attempts), not ${r.attempts}`] : []),
      ];
      if (parts.length) out.push({ code: "SX307", path: mapped.length || dropped.length ? "spec.retries.retryOn" : "spec.retries.attempts", detail: parts.join("; ") });
      break;
    }
    case "circuit-breaking": {
      const od = intent.spec.outlierDetection;
      if (od && od.consecutive5xxErrors !== 0) {
        const n = od.consecutive5xxErrors ?? 5;
        out.push({ code: "SX308", path: "spec.outlierDetection.consecutive5xxErrors", detail: `an endpoint is ejected when at least ${n} calls reached it in an interval and ${FAILURE_PERCENTAGE_THRESHOLD}% of them failed (failure-percentage ejection, with at least ${FAILURE_PERCENTAGE_MIN_HOSTS} endpoints)` });
      }
      const pool = intent.spec.connectionPool;
      const ignored = [
        ...(pool?.tcp?.maxConnections ? ["tcp.maxConnections"] : []),
        ...(pool?.tcp?.connectTimeout ? ["tcp.connectTimeout"] : []),
        ...(pool?.http?.http1MaxPendingRequests ? ["http.http1MaxPendingRequests"] : []),
        ...(pool?.http?.maxRequestsPerConnection ? ["http.maxRequestsPerConnection"] : []),
        ...(pool?.http?.maxRetries ? ["http.maxRetries"] : []),
      ];
      if (ignored.length) out.push({ code: "SX309", path: "spec.connectionPool", detail: `http.http2MaxRequests applies; ${ignored.join(", ")} ${ignored.length > 1 ? "are" : "is"} ignored` });
      break;
    }
    case "traffic-shift":
      break;
  }
  return out;
}
