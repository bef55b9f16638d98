import type { ServerResponse } from "node:http";
import { type ApiResource, apiVersionOf, qualified } from "./resources";
import type { Obj } from "./store";

/** TEST DOUBLE support: answers shaped as the real API server shapes them (kube-transcripts README §1, §11). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, newline = true): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body) + (newline ? "\n" : ""));
}

/** Unknown group, version or resource: plain text, not a Status. */
export function sendNotFoundText(res: ServerResponse): void {
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
  res.end("404 page not found\n");
}

export interface StatusBody {
  message: string;
  reason?: string;
  details?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export function sendStatus(res: ServerResponse, code: number, s: StatusBody, headers: Record<string, string> = {}): void {
  sendJson(res, code, { kind: "Status", apiVersion: "v1", metadata: s.metadata ?? {}, status: "Failure", message: s.message, ...(s.reason ? { reason: s.reason } : {}), ...(s.details ? { details: s.details } : {}), code }, headers);
}

export const details = (r: ApiResource, name?: string) => ({ ...(name ? { name } : {}), ...(r.group ? { group: r.group } : {}), kind: r.plural });

export function notFound(res: ServerResponse, r: ApiResource, name: string): void {
  sendStatus(res, 404, { message: `${qualified(r)} "${name}" not found`, reason: "NotFound", details: details(r, name) });
}

export function conflictModified(res: ServerResponse, r: ApiResource, name: string): void {
  sendStatus(res, 409, { message: `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, reason: "Conflict", details: details(r, name) });
}

export function badRequest(res: ServerResponse, message: string): void {
  sendStatus(res, 400, { message, reason: "BadRequest" });
}

/** Custom resources come back with keys sorted; built-in types in Go struct order (kind, apiVersion, metadata, ...). */
export function shape(r: ApiResource, version: string, obj: Obj): Obj {
  const withType = { ...obj, apiVersion: apiVersionOf(r, version), kind: r.kind };
  if (r.custom) return sortKeys(withType) as Obj;
  const { kind, apiVersion, metadata, ...rest } = withType;
  return { kind, apiVersion, metadata, ...rest } as Obj;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!v || typeof v !== "object") return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}

/** The CRD schema's problems as a 422 Status (with the trailer cause the Istio CRDs' CEL rules add). */
export function invalid(res: ServerResponse, r: ApiResource, name: string, causes: { field: string; message: string; reason: string }[], fromSchema = true): void {
  const cel = r.crdGroup === "istio" && fromSchema ? [{ reason: "FieldValueInvalid", message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation', field: "<nil>" }] : [];
  const all = [...causes, ...cel];
  const text = all.map((c) => `${c.field}: ${c.message}`);
  sendStatus(res, 422, {
    message: `${r.kind}${r.group ? `.${r.group}` : ""} "${name}" is invalid: ${text.length === 1 ? text[0] : `[${text.join(", ")}]`}`,
    reason: "Invalid",
    details: { ...(name ? { name } : {}), ...(r.group ? { group: r.group } : {}), kind: r.kind, causes: all },
  });
}
