import { randomUUID } from "node:crypto";
import { z } from "zod";
import { BadRequestError, type DomainError, type ErrorCode, type FieldIssue, ForbiddenError, PayloadTooLargeError, UnauthorizedError, UnavailableError, describeError, isDomainError } from "../errors";
import { type Logger, log as rootLog } from "../log";
import { type Access, type Principal, allows, mayRead, readScope, requireAllNamespaces, requireNamespace, requireRead } from "../auth/principal";
import { actingAs } from "../store/audit";
import { storeUnavailable } from "../store/errors";
import { badTextIn } from "./inputs";
import type { Runtime } from "../runtime";

/**
 * The one wrapper every API route handler is built with (a test checks that
 * none bypasses it). It gives each request an id, finds who is asking and
 * refuses what their role does not allow (and cross-site writes), parses and
 * validates input with zod, calls the handler as that person (so the store's
 * audit entries name them), maps typed domain errors to HTTP status with a
 * JSON body naming the problem, and logs the outcome. Its dependencies (the
 * runtime, how to authenticate) are passed in: `createRoute(deps)`.
 */

export interface RouteSpec<Q, B, P> {
  /** A stable name for logs and, later, for permissions and audit ("services.list"). */
  name: string;
  /** Schema for the query string; use z.strictObject so unknown parameters are rejected. */
  query?: z.ZodType<Q>;
  /** Schema for the JSON body; when given, a JSON body is required. */
  body?: z.ZodType<B>;
  /** Schema for the dynamic path segments. */
  params?: z.ZodType<P>;
  /** Largest accepted body, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Who may call it: default "read" for GET and HEAD, "operate" for every other method. */
  access?: Access;
  /**
   * "namespaced": the handler calls ctx.requireNamespace for what it changes, so a role limited to
   * namespaces may call it. Otherwise (default) a namespace-limited identity may not change anything through it.
   */
  scope?: "namespaced" | "global";
}

export interface RouteContext {
  requestId: string;
  log: Logger;
  request: Request;
  /** The process runtime (registry, store, demo); awaited only by handlers that need it. */
  runtime(): Promise<Runtime>;
  /** Who is asking (on a public route without an identity: NOBODY). */
  user: Principal;
  /** Where the request came from (X-Forwarded-For as Next.js or a proxy set it). */
  source: string;
  /** Throws 403 unless the user may change objects in `namespace`. */
  requireNamespace(namespace: string): void;
  /** Whether the user may read objects of `namespace`; requireRead throws 403 unless. */
  canRead(namespace: string): boolean;
  requireRead(namespace: string): void;
  /** The namespaces a read covers (see auth/principal.ts readScope); undefined: every namespace. */
  readScope(requested: string[] | undefined): string[] | undefined;
  /** Throws 403 for a namespace-limited user: `what` spans every namespace. */
  requireAllNamespaces(what: string): void;
}

export interface RouteDeps {
  runtime(): Promise<Runtime>;
  /** The identity a request carries; null for none; throws UnauthorizedError for a bad one. */
  authenticate(request: Request): Promise<Principal | null>;
  /** Hosts browsers reach Sextant at besides the request's own Host (SEXTANT_PUBLIC_URL behind a proxy that rewrites Host). */
  trustedHosts?(): Promise<string[]>;
  /** Told each answer: route name, method, status, seconds (Sextant's own telemetry). */
  observe?(route: string, method: string, status: number, seconds: number): void;
  /** This process is shutting down: it takes no more writes (another replica will). */
  draining?(): boolean;
}

/** On a public route, a request without an identity. */
export const NOBODY: Principal = { kind: "anonymous", name: "nobody", role: "viewer", namespaces: [] };
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface RouteInput<Q, B, P> {
  query: Q;
  body: B;
  params: P;
}

/** A handler result with a status or headers other than 200 JSON. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    /** A list value becomes one header line per item (Set-Cookie). */
    readonly headers: Record<string, string | string[]> = {},
  ) {}
}

/** A handler result that is plain text to be read in place (not a download), e.g. Prometheus's exposition format. */
export class TextReply {
  constructor(
    readonly body: string,
    readonly contentType: string,
  ) {}
}

/** A handler result that is not JSON (a download): bytes or text with its content type. */
export class FileReply {
  constructor(
    readonly body: Uint8Array | string,
    readonly contentType: string,
    readonly fileName: string,
  ) {}
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** JSON nested deeper than this is refused (schemas and the store walk it recursively). */
export const MAX_JSON_DEPTH = 64;
const NO_QUERY = z.strictObject({});

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid: 422,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: FieldIssue[] };
  requestId: string;
}

type NextContext = { params?: Promise<Record<string, string | string[] | undefined>> };

export function createRoute(deps: RouteDeps) {
  return function route<Q = undefined, B = undefined, P = undefined>(
    spec: RouteSpec<Q, B, P>,
    handler: (input: RouteInput<Q, B, P>, ctx: RouteContext) => Promise<unknown> | unknown,
  ): (request: Request, context?: NextContext) => Promise<Response> {
    return async (request, context) => {
      const started = performance.now();
      const requestId = requestIdFrom(request);
      let log = rootLog.child({ requestId, route: spec.name });
      const url = new URL(request.url);
      const source = sourceOf(request);
      let response: Response;
      try {
        const user = await admit(spec, request, deps);
        if (user !== NOBODY) log = log.child({ user: user.name });
        const rawParams = (await context?.params) ?? {};
        const rawQuery = queryObject(url.searchParams);
        const rawBody = spec.body ? await readJsonBody(request, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : undefined;
        // Text PostgreSQL cannot store or a person cannot read is refused before any schema sees it.
        const bad = [...badTextIn(rawParams, "params"), ...badTextIn(rawQuery, "query"), ...(spec.body ? badTextIn(rawBody, "body") : [])];
        if (bad.length) throw new BadRequestError(`invalid text: ${bad.map((i) => `${i.path}: ${i.message}`).join("; ")}`, bad);
        const input = {
          params: parseWith(spec.params, rawParams, "params"),
          // A route that declares no query parameters takes none (as docs/API.md says).
          query: parseWith((spec.query ?? NO_QUERY) as z.ZodType<Q>, rawQuery, "query"),
          body: spec.body ? parseWith(spec.body, rawBody, "body") : undefined,
        } as RouteInput<Q, B, P>;
        const ctx: RouteContext = {
          requestId,
          log,
          request,
          runtime: deps.runtime,
          user,
          source,
          requireNamespace: (ns) => requireNamespace(user, ns),
          canRead: (ns) => mayRead(user, ns),
          requireRead: (ns) => requireRead(user, ns),
          readScope: (requested) => readScope(user, requested),
          requireAllNamespaces: (what) => requireAllNamespaces(user, what),
        };
        const result = await actingAs({ actor: user.name, requestId, source, route: spec.name }, () => handler(input, ctx));
        response =
          result instanceof TextReply
            ? new Response(result.body, { status: 200, headers: { "content-type": result.contentType, "cache-control": "no-store", "x-request-id": requestId } })
            : result instanceof FileReply
            ? new Response(result.body as BodyInit, { status: 200, headers: { "content-type": result.contentType, "content-disposition": `attachment; filename="${result.fileName}"`, "cache-control": "no-store", "x-request-id": requestId } })
            : result instanceof Reply
              ? json(result.status, result.body, requestId, result.headers)
              : json(200, result, requestId);
      } catch (e) {
        response = errorResponse(e, requestId, log);
      }
      const fields = { method: request.method, path: url.pathname, status: response.status, durationMs: Math.round(performance.now() - started), source };
      deps.observe?.(spec.name, request.method, response.status, (performance.now() - started) / 1000);
      if (response.status >= 500) log.warn("request failed", fields);
      else if (response.status === 401 || response.status === 403) log.warn("request denied", fields);
      else log.info("request", fields);
      return response;
    };
  };
}

/** Who is asking, if they may: role enough for the route, and a write from this site only. */
async function admit(spec: RouteSpec<unknown, unknown, unknown>, request: Request, deps: RouteDeps): Promise<Principal> {
  const write = !READS.has(request.method);
  if (write && deps.draining?.()) throw Object.assign(new UnavailableError("this replica", "it is shutting down; send the request again and another replica takes it"), { retryAfterSeconds: 1 });
  if (write) refuseCrossSite(request, (await deps.trustedHosts?.()) ?? []);
  const access = spec.access ?? (write ? "operate" : "read");
  const user = await deps.authenticate(request).catch((e: unknown) => {
    // A public route (sign-in) works with a stale cookie; elsewhere the reason is the answer.
    if (access === "public" && isDomainError(e) && e.code === "unauthorized") return null;
    throw e;
  });
  if (!user) {
    if (access === "public") return NOBODY;
    throw new UnauthorizedError();
  }
  if (!allows(user, access)) throw new ForbiddenError(`${user.name} is a${user.role === "admin" ? "n" : ""} ${user.role}; ${spec.name} needs the ${access === "admin" ? "admin" : access === "operate" ? "operator" : "viewer"} role`);
  if (write && user.csrf !== undefined && request.headers.get("x-csrf-token") !== user.csrf) throw new ForbiddenError("missing or wrong X-CSRF-Token header (send the value of the sextant_csrf cookie)");
  if (write && access !== "public" && user.namespaces !== null && spec.scope !== "namespaced") throw new ForbiddenError(`${user.name} is limited to namespaces ${user.namespaces.join(", ") || "(none)"}; ${spec.name} changes more than one namespace`);
  return user;
}

/** A browser sends Origin (and Sec-Fetch-Site) with every write: one from another site is refused. */
function refuseCrossSite(request: Request, trusted: string[]): void {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new ForbiddenError(`cross-site request refused (Sec-Fetch-Site: ${site})`);
  const origin = request.headers.get("origin");
  if (origin === null) return;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? new URL(request.url).host;
  let from: string;
  try {
    from = new URL(origin).host;
  } catch {
    from = origin;
  }
  if (from !== host && !trusted.includes(from)) throw new ForbiddenError(`cross-origin request refused (Origin ${origin.slice(0, 100)} is not ${host})`);
}

function sourceOf(request: Request): string {
  const fwd = request.headers.get("x-forwarded-for");
  const first = fwd?.split(",")[0]?.trim() ?? "";
  return /^[0-9A-Fa-f:.]{2,64}$/.test(first) ? first : "";
}

function errorResponse(e: unknown, requestId: string, log: Logger): Response {
  if (isDomainError(e)) {
    const wait = (e as { retryAfterSeconds?: number }).retryAfterSeconds;
    return json(STATUS[e.code], errorBody(e, requestId), requestId, wait ? { "retry-after": String(wait) } : {});
  }
  // The database out of space or out of reach: the person can act on it (503), it is not a bug.
  const store = storeUnavailable(e);
  if (store) {
    log.error("database failure", { error: describeError(e) });
    return json(503, errorBody(store, requestId), requestId, { "retry-after": "5" });
  }
  // Anything else is a bug: log it in full, answer without internals.
  log.error("unhandled error", { error: e instanceof Error ? e : describeError(e) });
  return json(500, { error: { code: "internal", message: `internal error; see the server log for request ${requestId}` }, requestId }, requestId);
}

function errorBody(e: DomainError, requestId: string): ErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.issues.length ? { issues: e.issues } : {}) }, requestId };
}

function json(status: number, body: unknown, requestId: string, extra: Record<string, string | string[]> = {}): Response {
  const text = JSON.stringify(body ?? null, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  const headers = new Headers({ "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": requestId });
  for (const [k, v] of Object.entries(extra)) for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  return new Response(text, { status, headers });
}

function requestIdFrom(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Query parameters as an object; a repeated parameter becomes an array. */
function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

function parseWith<T>(schema: z.ZodType<T> | undefined, value: unknown, where: "query" | "body" | "params"): T | undefined {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: formatPath(where, i.path), message: i.message, code: i.code }));
  throw new BadRequestError(`invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, issues);
}

/** ["spec", "weights", 1, "subset"] -> "body.spec.weights[1].subset" */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : `${acc}.${String(p)}`), root);
}

async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new BadRequestError("the request body must be JSON (Content-Type: application/json)", [
      { path: "headers.content-type", message: `expected application/json, got ${type || "nothing"}` },
    ]);
  }
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = declared > limit;
  if (request.body) {
    const reader = request.body.getReader();
    // A body over the limit is read to its end (up to a bound) before answering 413: a server that
    // answers while the client is still sending makes the connection reset and the client sees no answer.
    for (let drained = 0; ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(value);
      else if ((drained += value.byteLength) > DRAIN_BYTES) {
        await reader.cancel();
        break;
      }
    }
  }
  if (tooLarge) throw new PayloadTooLargeError(limit);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new BadRequestError("the request body is empty; expected a JSON document", [{ path: "body", message: "required" }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BadRequestError(`the request body is not valid JSON: ${describeError(e)}`, [{ path: "body", message: "not valid JSON" }]);
  }
  if (depthOf(value) > MAX_JSON_DEPTH) throw new BadRequestError(`the request body is nested more than ${MAX_JSON_DEPTH} levels deep`, [{ path: "body", message: `nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  return value;
}

/** How many levels of arrays and objects a JSON value nests (iteratively: no stack to overflow). */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== "object") continue;
    if (d + 1 > max) max = d + 1;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child && typeof child === "object") stack.push([child, d + 1]);
  }
  return max;
}

/** How much of an oversized body is read (and dropped) before the connection is given up. */
const DRAIN_BYTES = 64 * 1024 * 1024;
