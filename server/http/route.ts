import { randomUUID } from "node:crypto";
import { z } from "zod";
import { BadRequestError, type DomainError, type ErrorCode, type FieldIssue, PayloadTooLargeError, describeError, isDomainError } from "../errors";
import { type Logger, log as rootLog } from "../log";
import { badTextIn } from "./inputs";
import { type Runtime, getRuntime } from "../runtime";

/**
 * The one wrapper every API route handler is built with (a test checks that
 * none bypasses it). It parses and validates input with zod, gives each
 * request an id, calls the handler, maps typed domain errors to HTTP status
 * with a JSON body naming the problem, and logs the outcome. Sign-in, roles and
 * the audit log will be enforced here, so every route gets them at once.
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
}

export interface RouteContext {
  requestId: string;
  log: Logger;
  request: Request;
  /** The process runtime (registry, store, demo); awaited only by handlers that need it. */
  runtime(): Promise<Runtime>;
}

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
    readonly headers: Record<string, string> = {},
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
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: FieldIssue[] };
  requestId: string;
}

type NextContext = { params?: Promise<Record<string, string | string[] | undefined>> };

export function route<Q = undefined, B = undefined, P = undefined>(
  spec: RouteSpec<Q, B, P>,
  handler: (input: RouteInput<Q, B, P>, ctx: RouteContext) => Promise<unknown> | unknown,
): (request: Request, context?: NextContext) => Promise<Response> {
  return async (request, context) => {
    const started = performance.now();
    const requestId = requestIdFrom(request);
    const log = rootLog.child({ requestId, route: spec.name });
    const url = new URL(request.url);
    let response: Response;
    try {
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
      const result = await handler(input, { requestId, log, request, runtime: getRuntime });
      response =
        result instanceof FileReply
          ? new Response(result.body as BodyInit, { status: 200, headers: { "content-type": result.contentType, "content-disposition": `attachment; filename="${result.fileName}"`, "cache-control": "no-store", "x-request-id": requestId } })
          : result instanceof Reply
            ? json(result.status, result.body, requestId, result.headers)
            : json(200, result, requestId);
    } catch (e) {
      response = errorResponse(e, requestId, log);
    }
    const fields = { method: request.method, path: url.pathname, status: response.status, durationMs: Math.round(performance.now() - started) };
    if (response.status >= 500) log.warn("request failed", fields);
    else log.info("request", fields);
    return response;
  };
}

function errorResponse(e: unknown, requestId: string, log: Logger): Response {
  if (isDomainError(e)) return json(STATUS[e.code], errorBody(e, requestId), requestId);
  // Anything else is a bug: log it in full, answer without internals.
  log.error("unhandled error", { error: e instanceof Error ? e : describeError(e) });
  return json(500, { error: { code: "internal", message: `internal error; see the server log for request ${requestId}` }, requestId }, requestId);
}

function errorBody(e: DomainError, requestId: string): ErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.issues.length ? { issues: e.issues } : {}) }, requestId };
}

function json(status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body ?? null, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return new Response(text, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": requestId, ...headers },
  });
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
