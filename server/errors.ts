/**
 * Typed domain errors. Code anywhere under server/ throws these; only the
 * route-handler wrapper (server/http/route.ts) turns them into HTTP answers,
 * so the mapping from meaning to status lives in one place.
 */

/** One problem with one input field; `path` is where it sits, e.g. "spec.weights[1].subset". */
export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export type ErrorCode =
  | "bad_request"
  | "invalid"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unauthorized"
  | "forbidden"
  | "too_many_requests"
  | "unavailable"
  | "internal";

/** Marks domain errors across module copies: Next.js bundles the runtime (instrumentation) and each route apart, so `instanceof` fails for an error made by the runtime. */
const DOMAIN_ERROR = Symbol.for("sextant.domainError");
const CODES: ReadonlySet<string> = new Set(["bad_request", "invalid", "not_found", "conflict", "payload_too_large", "unauthorized", "forbidden", "too_many_requests", "unavailable", "internal"]);

export class DomainError extends Error {
  readonly [DOMAIN_ERROR] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input could not be read or does not have the required shape (HTTP 400). */
export class BadRequestError extends DomainError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super("bad_request", message, issues);
  }
}

/** The input is well-formed but breaks a rule of the mesh (HTTP 422). */
export class InvalidError extends DomainError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super("invalid", message, issues);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super("not_found", `${what} not found`);
  }
}

/** Someone else changed the thing since the caller read it (HTTP 409). */
export class ConflictError extends DomainError {
  constructor(message: string) {
    super("conflict", message);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super("payload_too_large", `request body is larger than ${limitBytes} bytes`);
  }
}

/** No identity, or one that no longer holds (HTTP 401): sign in, or send a valid API token. */
export class UnauthorizedError extends DomainError {
  constructor(message = "sign in first (or send an API token as Authorization: Bearer)") {
    super("unauthorized", message);
  }
}

/** A known identity whose role or namespaces do not allow this (HTTP 403). */
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super("forbidden", message);
  }
}

/** Too many attempts; `retryAfterSeconds` says when to try again (HTTP 429). */
export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super("too_many_requests", message);
  }
}

/** A part Sextant depends on (database, Prometheus, Kubernetes) cannot answer (HTTP 503). */
export class UnavailableError extends DomainError {
  constructor(
    readonly part: string,
    /** What is wrong, without the part's name (for views that already say which part). */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super("unavailable", `${part} is unavailable: ${detail}`, [], options);
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError || (e instanceof Error && (e as { [DOMAIN_ERROR]?: boolean })[DOMAIN_ERROR] === true && CODES.has((e as DomainError).code));
}

/** A short, human-readable description of any thrown value (never a stack). */
export function describeError(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return e.errors.map(describeError).join("; ");
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const msg = e.message || e.name;
    return typeof code === "string" && !msg.includes(code) ? `${msg} (${code})` : msg;
  }
  return String(e);
}
