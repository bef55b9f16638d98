/**
 * The browser's one way to call Sextant's API. Every failure becomes an
 * ApiError carrying the status, the server's error code and message, the
 * field issues and the request id, so the UI can show exactly what went wrong.
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly issues: FieldIssue[] = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The CSRF token the server set at sign-in (readable cookie); sent back on every write. */
function csrfToken(): string | undefined {
  if (typeof document === "undefined") return undefined;
  return /(?:^|;\s*)sextant_csrf=([^;]+)/.exec(document.cookie)?.[1];
}

/** Told when the server answers 401: the sign-in form takes over (components/auth/AuthGate.tsx). */
export const UNAUTHORIZED_EVENT = "sextant:unauthorized";

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Error statuses whose body is still the answer (e.g. /api/health's 503 report). */
  okStatuses?: number[];
}

/** Every call to the API goes through here: one error type, the CSRF token on writes, 401 announced. */
export async function request<T>(method: "GET" | "POST" | "PUT" | "DELETE", url: string, o: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") {
    const csrf = csrfToken();
    if (csrf) headers["x-csrf-token"] = csrf;
  }
  if (o.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url, { method, signal: o.signal, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError("cannot reach the Sextant server; is it running?", 0, "network");
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(`the server answered ${res.status} with something that is not JSON`, res.status, "bad_response");
  }
  if (!res.ok && !(o.okStatuses ?? []).includes(res.status)) {
    const e = (body as { error?: { code?: string; message?: string; issues?: FieldIssue[] }; requestId?: string } | null) ?? {};
    if (res.status === 401 && typeof window !== "undefined") window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw new ApiError(e.error?.message ?? `request failed with status ${res.status}`, res.status, e.error?.code ?? "http_error", e.error?.issues, e.requestId);
  }
  return body as T;
}

export function getJson<T>(url: string, signal?: AbortSignal, okStatuses: number[] = []): Promise<T> {
  return request<T>("GET", url, { ...(signal ? { signal } : {}), okStatuses });
}

/** Query keys, built in one place so caches are shared and invalidated consistently. */
export const queryKeys = {
  health: () => ["health"] as const,
  services: (namespaces: string[]) => ["services", { namespaces: [...namespaces].sort() }] as const,
  graph: (p: { namespaces: string[]; graphType: string; duration: string; idle: boolean; responseTime: string }) => ["graph", { ...p, namespaces: [...p.namespaces].sort() }] as const,
  graphLatency: (id: string, duration: string) => ["graph-latency", id, duration] as const,
  graphSeries: (id: string, minutes: number) => ["graph-series", id, minutes] as const,
  /** Intents, all or of one service; ["intents"] is the prefix every apply invalidates. */
  intents: (p: { namespace?: string; target?: string } = {}) => ["intents", p] as const,
  limiters: () => ["limiters"] as const,
  detailMetrics: (kind: string, namespace: string, name: string, minutes: number) => ["detail-metrics", kind, namespace, name, minutes] as const,
  proxies: () => ["proxies"] as const,
  objects: () => ["objects"] as const,
  cluster: () => ["cluster"] as const,
  gitopsExport: () => ["gitops", "export"] as const,
  gitopsTargets: () => ["gitops", "targets"] as const,
  gitopsHistory: (id: string) => ["gitops", "targets", id, "exports"] as const,
  clusterObjects: () => ["cluster", "objects"] as const,
  me: () => ["auth", "me"] as const,
  users: () => ["auth", "users"] as const,
  tokens: () => ["auth", "tokens"] as const,
  audit: (filter: Record<string, string>) => ["audit", filter] as const,
  auditVerify: () => ["audit", "verify"] as const,
};
