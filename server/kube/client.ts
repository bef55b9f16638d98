import http from "node:http";
import https from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

/**
 * The edge to a Kubernetes API server: raw requests and watches, authenticated and verified by
 * @kubernetes/client-node's KubeConfig (kubeconfig files, exec plugins, OIDC, in-cluster service
 * account, CA and client certificates). Every failure becomes one KubeError carrying what the
 * server said (its Status reason, causes), or why no answer came.
 */
/** Marks KubeErrors across module copies: Next.js bundles the runtime and each route apart, so `instanceof` fails across them. */
const KUBE_ERROR = Symbol.for("sextant.kubeError");

export function isKubeError(e: unknown): e is KubeError {
  return e instanceof Error && (e as { [KUBE_ERROR]?: boolean })[KUBE_ERROR] === true;
}

export class KubeError extends Error {
  readonly [KUBE_ERROR] = true;
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (connection refused, DNS, TLS, timeout). */
    readonly status: number,
    readonly reason: string | undefined,
    readonly causes: { reason?: string; message?: string; field?: string }[] = [],
    /** The server's own body when it was not a Status (e.g. "404 page not found"). */
    readonly body?: string,
  ) {
    super(message);
    this.name = "KubeError";
  }
}

export interface KubeRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: string;
  contentType?: string;
  timeoutMs?: number;
}

export interface WatchHandle {
  stop(): void;
}

type Json = Record<string, unknown>;

export class KubeClient {
  constructor(
    private readonly kc: KubeConfig,
    private readonly userAgent = "sextant",
  ) {}

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? "";
  }

  /** The same cluster (server, CA, TLS settings) as someone else: their bearer token and nothing of ours. */
  asUser(token: string): KubeClient {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new KubeError("the kubeconfig has no current cluster", 0, undefined);
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [cluster], users: [{ name: "signing-in", token }], contexts: [{ name: "signing-in", cluster: cluster.name, user: "signing-in" }], currentContext: "signing-in" });
    return new KubeClient(kc, this.userAgent);
  }

  private async open(req: KubeRequest): Promise<http.ClientRequest> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new KubeError("the kubeconfig has no current cluster", 0, undefined);
    const url = new URL(cluster.server.replace(/\/$/, "") + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: https.RequestOptions = { method: req.method ?? "GET", headers: { Accept: "application/json", "User-Agent": this.userAgent, ...(req.contentType ? { "Content-Type": req.contentType } : {}), ...(req.body !== undefined ? { "Content-Length": String(Buffer.byteLength(req.body)) } : {}) } };
    await this.kc.applyToHTTPSOptions(opts);
    return (url.protocol === "http:" ? http : https).request(url, opts);
  }

  /** One request; resolves with the parsed JSON body, rejects with a KubeError. */
  async request<T = Json>(req: KubeRequest): Promise<T> {
    const r = await this.open(req).catch((e: unknown) => {
      throw isKubeError(e) ? e : new KubeError(`cannot reach the Kubernetes API server: ${e instanceof Error ? e.message : String(e)}`, 0, undefined);
    });
    return new Promise<T>((resolve, reject) => {
      r.setTimeout(req.timeoutMs ?? 30_000, () => r.destroy(new Error(`no answer within ${req.timeoutMs ?? 30_000} ms`)));
      r.on("error", (e) => reject(new KubeError(`cannot reach the Kubernetes API server at ${this.server}: ${e.message}`, 0, undefined)));
      r.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => reject(new KubeError(`the answer from the Kubernetes API server broke off: ${e.message}`, 0, undefined)));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && body !== undefined) return resolve(body as T);
          reject(toError(status, body, text));
        });
      });
      r.end(req.body);
    });
  }

  /**
   * A watch: each JSON line is handed to `onEvent`; `onEnd` is called once, with a KubeError when the
   * server refused the watch or the connection failed, or with nothing when the server closed it.
   */
  watch(path: string, query: KubeRequest["query"], onEvent: (e: { type: string; object: Json }) => void, onEnd: (err?: KubeError) => void): WatchHandle {
    let ended = false;
    let current: http.ClientRequest | undefined;
    const end = (err?: KubeError) => {
      if (ended) return;
      ended = true;
      current?.destroy();
      onEnd(err);
    };
    void this.open({ path, query: { ...query, watch: "true" } })
      .then((r) => {
        current = r;
        if (ended) return r.destroy();
        r.on("error", (e) => end(new KubeError(`the watch of ${path} failed: ${e.message}`, 0, undefined)));
        r.on("response", (res) => {
          if (res.statusCode !== 200) {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let body: unknown;
              try {
                body = JSON.parse(text);
              } catch {
                body = undefined;
              }
              end(toError(res.statusCode ?? 0, body, text));
            });
            return;
          }
          let buf = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            buf += chunk;
            for (let i = buf.indexOf("\n"); i >= 0 && !ended; i = buf.indexOf("\n")) {
              const line = buf.slice(0, i).trim();
              buf = buf.slice(i + 1);
              if (!line) continue;
              try {
                onEvent(JSON.parse(line) as { type: string; object: Json });
              } catch (e) {
                end(new KubeError(`a watch event of ${path} could not be read: ${e instanceof Error ? e.message : String(e)}`, 0, undefined));
              }
            }
          });
          res.on("end", () => end());
          res.on("error", (e) => end(new KubeError(`the watch of ${path} broke off: ${e.message}`, 0, undefined)));
        });
        r.end();
      })
      .catch((e: unknown) => end(isKubeError(e) ? e : new KubeError(String(e), 0, undefined)));
    return { stop: () => end() };
  }
}

function toError(status: number, body: unknown, text: string): KubeError {
  const s = body && typeof body === "object" && (body as Json).kind === "Status" ? (body as { message?: string; reason?: string; details?: { causes?: KubeError["causes"] } }) : undefined;
  if (s) return new KubeError(s.message ?? `HTTP ${status}`, status, s.reason, s.details?.causes ?? [], undefined);
  return new KubeError(`HTTP ${status}: ${text.trim().slice(0, 200)}`, status, undefined, [], text);
}
