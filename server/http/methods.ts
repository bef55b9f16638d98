import http from "node:http";
import { randomUUID } from "node:crypto";

/**
 * Methods a WHATWG Request cannot carry (fetch forbids TRACE; TRACK too):
 * Next.js turns each API request into a Request and threw on these, so they
 * were answered 500. They are answered here, before Next sees them, with 405
 * and the API's error body. Installed once per process by server/boot.ts, on
 * every HTTP server's "request" event (Next's server is created before
 * instrumentation runs, so it is reached through the prototype).
 */
export const FORBIDDEN_METHODS = new Set(["TRACE", "TRACK"]); // Node's parser already refuses TRACK (400)
const INSTALLED = Symbol.for("sextant.forbiddenMethodsGuard");

export function refuseForbiddenMethods(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (!FORBIDDEN_METHODS.has((req.method ?? "").toUpperCase())) return false;
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code: "bad_request", message: `method ${req.method} is not allowed` }, requestId });
  res.writeHead(405, { allow: "GET, HEAD, POST, PUT, DELETE, OPTIONS", "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": requestId, "content-length": Buffer.byteLength(body) });
  res.end(body);
  req.resume();
  return true;
}

export function installMethodGuard(): void {
  const proto = http.Server.prototype as http.Server & { [INSTALLED]?: boolean };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const emit = proto.emit;
  proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request" && refuseForbiddenMethods(args[0] as http.IncomingMessage, args[1] as http.ServerResponse)) return true;
    return (emit as (this: http.Server, event: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof proto.emit;
}
