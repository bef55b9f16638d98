import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import YAML from "yaml";
import { validateAgainstCrd } from "../../translate/crd";
import { builtinCauses, decodeError } from "./builtin";
import { conflictMessage, recordUpdate, serverSideApply, strip } from "./apply";
import { deepEqual } from "./fields";
import { type ApiResource, apiVersionOf, qualified } from "./resources";
import { badRequest, conflictModified, details, invalid, notFound, sendJson, sendStatus, shape } from "./respond";
import { type Obj, type ObjectStore, nowSeconds } from "./store";

/** TEST DOUBLE support: create, update, patch (apply, merge, JSON patch) and delete, as the transcripts show them. */
export interface WriteContext {
  store: ObjectStore;
  res: ServerResponse;
  r: ApiResource;
  version: string;
  ns: string | undefined;
  name: string | undefined;
  sub: string | undefined;
  query: URLSearchParams;
  /** The manager an Update is recorded under: ?fieldManager or the User-Agent up to its first "/". */
  manager: string;
  contentType: string;
  body: string;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A built-in type's spec is a Go value struct: an Update does not own it as a map (transcript 10). */
const structs = (c: WriteContext) => (c.r.custom ? [] : ["spec"]);
const dryRun = (c: WriteContext) => c.query.get("dryRun") === "All";

function namespaceMissing(c: WriteContext): boolean {
  if (!c.r.namespaced) return false;
  const nsR = { group: "", plural: "namespaces" } as ApiResource;
  if (c.store.get(nsR, undefined, c.ns!)) return false;
  sendStatus(c.res, 404, { message: `namespaces "${c.ns}" not found`, reason: "NotFound", details: { name: c.ns, kind: "namespaces" } });
  return true;
}

/** Schema problems of a custom resource as the server reports them on create/update (422). */
function schemaCauses(c: WriteContext, obj: Obj): { field: string; message: string; reason: string }[] {
  if (!c.r.custom) return builtinCauses(c.r, obj);
  return validateAgainstCrd({ apiVersion: apiVersionOf(c.r, c.version), kind: c.r.kind, spec: obj.spec })
    .filter((p) => !p.message.startsWith("unknown field"))
    .map((p) => ({ field: p.path, message: /must be equal to one of/.test(p.message) ? `Unsupported value` : `Invalid value: ${p.message}`, reason: /must be equal to one of/.test(p.message) ? "FieldValueNotSupported" : "FieldValueInvalid" }));
}

function unknownFields(c: WriteContext, obj: Obj): string[] {
  if (!c.r.custom) return [];
  return validateAgainstCrd({ apiVersion: apiVersionOf(c.r, c.version), kind: c.r.kind, spec: obj.spec })
    .filter((p) => p.message.startsWith("unknown field"))
    .map((p) => `${p.path === "(root)" ? "" : `${p.path}.`}${/"(.*)"/.exec(p.message)![1]}`);
}

function parseJson(c: WriteContext): Obj | undefined {
  try {
    const o = JSON.parse(c.body) as Obj;
    if (!o || typeof o !== "object" || !o.metadata || typeof o.metadata !== "object") throw new Error("no metadata");
    return o;
  } catch (e) {
    badRequest(c.res, `the object provided is unrecognized (must be of type ${c.r.kind}): couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function store(c: WriteContext, obj: Obj, type: "ADDED" | "MODIFIED"): Obj {
  return c.store.put(c.r, obj, type);
}

export function create(c: WriteContext): void {
  const obj = parseJson(c);
  if (!obj) return;
  const undecodable = decodeError(c.r, c.version, obj);
  if (undecodable) return badRequest(c.res, undecodable);
  if (obj.metadata.namespace && c.ns && obj.metadata.namespace !== c.ns) return badRequest(c.res, "the namespace of the provided object does not match the namespace sent on the request");
  if (c.ns) obj.metadata.namespace = c.ns;
  if (!obj.metadata.name && typeof obj.metadata.generateName === "string") obj.metadata.name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`;
  const name = obj.metadata.name ?? "";
  if (!name) return invalid(c.res, c.r, "", [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }]);
  if (!NAME_RE.test(name)) return invalid(c.res, c.r, name, [{ reason: "FieldValueInvalid", message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`, field: "metadata.name" }], false);
  if (namespaceMissing(c)) return;
  const unknown = unknownFields(c, obj);
  if (unknown.length && c.query.get("fieldValidation") === "Strict") return badRequest(c.res, `${c.r.kind} in version "${c.version}" cannot be handled as a ${c.r.kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(", ")}`);
  const causes = schemaCauses(c, obj);
  if (causes.length) return invalid(c.res, c.r, name, causes);
  if (c.store.get(c.r, c.ns, name)) return sendStatus(c.res, 409, { message: `${qualified(c.r)} "${name}" already exists`, reason: "AlreadyExists", details: details(c.r, name) });
  const warnings = unknown.length && c.query.get("fieldValidation") !== "Ignore" ? { Warning: unknown.map((u) => `299 - "unknown field \\"${u}\\""`).join(", ") } : undefined;
  if (c.r.custom || c.r.group === "apps") obj.metadata.generation = 1;
  recordUpdate(undefined, obj, c.manager, structs(c));
  if (dryRun(c)) return sendJson(c.res, 201, shape(c.r, c.version, { ...obj, metadata: { ...obj.metadata, uid: randomUUID(), creationTimestamp: nowSeconds() } }), warnings);
  sendJson(c.res, 201, shape(c.r, c.version, store(c, obj, "ADDED")), warnings);
}

/** Writes an updated object unless nothing changed (a true no-op: same resourceVersion, no event). */
function commit(c: WriteContext, live: Obj, next: Obj, status = 200): void {
  if (deepEqual(live, next)) return sendJson(c.res, status, shape(c.r, c.version, live));
  if (!deepEqual(strip(live), strip(next)) && typeof live.metadata.generation === "number") next.metadata.generation = live.metadata.generation + 1;
  if (dryRun(c)) return sendJson(c.res, status, shape(c.r, c.version, next));
  sendJson(c.res, status, shape(c.r, c.version, store(c, next, "MODIFIED")));
}

export function replace(c: WriteContext): void {
  const obj = parseJson(c);
  if (!obj) return;
  const undecodable = decodeError(c.r, c.version, obj);
  if (undecodable) return badRequest(c.res, undecodable);
  if (obj.metadata.name !== c.name) return badRequest(c.res, `the name of the object (${obj.metadata.name}) does not match the name on the URL (${c.name})`);
  const live = c.store.get(c.r, c.ns, c.name!);
  if (!live) return notFound(c.res, c.r, c.name!);
  if (!obj.metadata.resourceVersion && c.r.custom) return sendStatus(c.res, 422, { message: `${qualified(c.r)} "${c.name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`, reason: "Invalid", details: { ...details(c.r, c.name), causes: [{ reason: "FieldValueInvalid", message: "Invalid value: 0x0: must be specified for an update", field: "metadata.resourceVersion" }] } });
  if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== live.metadata.resourceVersion) return conflictModified(c.res, c.r, c.name!);
  const causes = schemaCauses(c, obj);
  if (causes.length) return invalid(c.res, c.r, c.name!, causes);
  const next: Obj = { ...obj, metadata: { ...obj.metadata, namespace: live.metadata.namespace, uid: live.metadata.uid, creationTimestamp: live.metadata.creationTimestamp, resourceVersion: live.metadata.resourceVersion, managedFields: live.metadata.managedFields, ...(live.metadata.generation !== undefined ? { generation: live.metadata.generation } : {}) } } as Obj;
  if (c.sub !== "status") next.status = live.status ?? next.status;
  if (next.status === undefined) delete next.status;
  recordUpdate(live, next, c.manager, structs(c));
  commit(c, live, next);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(target: Obj, ops: { op: string; path: string; value?: unknown }[]): Obj | undefined {
  const doc = structuredClone(target) as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop()!;
    let parent: unknown = doc;
    for (const p of parts) parent = (parent as Record<string, unknown> | undefined)?.[p];
    if (!parent || typeof parent !== "object") return undefined;
    const at = parent as Record<string, unknown>;
    if (op.op === "test" && !deepEqual(at[last], op.value)) return undefined;
    if (op.op === "remove") {
      if (!(last in at)) return undefined;
      if (Array.isArray(at)) at.splice(Number(last), 1);
      else delete at[last];
    }
    if (op.op === "add" || op.op === "replace") {
      if (op.op === "replace" && !(last in at)) return undefined;
      if (Array.isArray(at) && op.op === "add") at.splice(last === "-" ? at.length : Number(last), 0, op.value);
      else at[last] = op.value;
    }
  }
  return doc as Obj;
}

export function patch(c: WriteContext): void {
  const ct = c.contentType.split(";")[0]!.trim();
  if (ct === "application/apply-patch+yaml") return apply(c);
  const accepted = ["application/json-patch+json", "application/merge-patch+json", ...(c.r.custom ? [] : ["application/strategic-merge-patch+json"])];
  if (!accepted.includes(ct)) return sendStatus(c.res, 415, { message: `the body of the request was in an unknown format - accepted media types include: ${[...accepted, "application/apply-patch+yaml"].filter((x) => x !== "application/strategic-merge-patch+json").join(", ")}`, reason: "UnsupportedMediaType" });
  const live = c.store.get(c.r, c.ns, c.name!);
  if (!live) return notFound(c.res, c.r, c.name!);
  let body: unknown;
  try {
    body = JSON.parse(c.body);
  } catch (e) {
    return badRequest(c.res, `error decoding patch: ${e instanceof Error ? e.message : String(e)}`);
  }
  let next: Obj | undefined;
  if (ct === "application/json-patch+json") {
    next = Array.isArray(body) ? jsonPatch(live, body as never) : undefined;
    if (!next) return sendStatus(c.res, 422, { message: "the server rejected our request due to an error in our request", reason: "Invalid", details: {} });
  } else {
    // Strategic merge on built-in types is treated as a JSON merge patch here: the double does not know patch strategies.
    const rv = (body as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion;
    if (rv && rv !== live.metadata.resourceVersion) return conflictModified(c.res, c.r, c.name!);
    next = mergePatch(live, body) as Obj;
  }
  next.metadata.resourceVersion = live.metadata.resourceVersion;
  if (c.sub === "status") next = { ...live, status: next.status } as Obj;
  else if (live.status !== undefined) next.status = live.status;
  // A patched object that no longer decodes: 422 on the field "patch", quoting the whole patched object.
  const undecodable = decodeError(c.r, c.version, next);
  if (undecodable) {
    const message = `Invalid value: ${JSON.stringify(JSON.stringify(next))}: ${undecodable.replace(/^.*? cannot be handled as a \w+: /, "")}`;
    return sendStatus(c.res, 422, { message: ` "" is invalid: patch: ${message}`, reason: "Invalid", details: { causes: [{ reason: "FieldValueInvalid", message, field: "patch" }] } });
  }
  const causes = schemaCauses(c, next);
  if (causes.length) return invalid(c.res, c.r, c.name!, causes);
  recordUpdate(live, next, c.manager, structs(c));
  commit(c, live, next);
}

function apply(c: WriteContext): void {
  const manager = c.query.get("fieldManager");
  if (!manager) return sendStatus(c.res, 422, { message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', reason: "Invalid", details: { group: "meta.k8s.io", kind: "PatchOptions", causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }] } });
  let applied: Obj;
  try {
    const doc = YAML.parseDocument(c.body, { uniqueKeys: true });
    if (doc.errors.length) throw new Error(doc.errors[0]!.message);
    applied = doc.toJS() as Obj;
  } catch (e) {
    return badRequest(c.res, `error decoding YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!applied || typeof applied !== "object" || !applied.apiVersion || !applied.kind) return badRequest(c.res, `invalid object type: ${applied?.apiVersion ?? ""}/, Kind=${applied?.kind ?? ""}`);
  applied.metadata ??= { name: c.name! };
  if (applied.metadata.name !== c.name) return badRequest(c.res, `the name of the object (${applied.metadata.name}) does not match the name on the URL (${c.name})`);
  if (c.ns) applied.metadata.namespace = c.ns;
  if (namespaceMissing(c)) return;
  const unknown = unknownFields(c, applied);
  if (unknown.length) return sendStatus(c.res, 500, { message: `failed to create typed patch object (${c.ns ?? ""}/${c.name}; ${apiVersionOf(c.r, c.version)}, Kind=${c.r.kind}): .${unknown[0]}: field not declared in schema` });
  const live = c.store.get(c.r, c.ns, c.name!);
  const outcome = serverSideApply(live, applied, manager, c.query.get("force") === "true");
  if (!outcome.ok) return sendStatus(c.res, 409, { message: conflictMessage(outcome.conflicts), reason: "Conflict", details: { causes: outcome.conflicts.map((x) => ({ reason: "FieldManagerConflict", message: `conflict with "${x.manager}"${x.operation === "Update" ? ` using ${x.apiVersion}` : ""}`, field: x.field })) } });
  const next = outcome.obj;
  const causes = schemaCauses(c, next);
  if (causes.length) return invalid(c.res, c.r, c.name!, causes);
  if (!live) {
    if (c.r.custom || c.r.group === "apps") next.metadata.generation = 1;
    if (dryRun(c)) return sendJson(c.res, 201, shape(c.r, c.version, { ...next, metadata: { ...next.metadata, uid: randomUUID(), creationTimestamp: nowSeconds() } }));
    return sendJson(c.res, 201, shape(c.r, c.version, store(c, next, "ADDED")));
  }
  if (!outcome.changed) return sendJson(c.res, 200, shape(c.r, c.version, live));
  commit(c, live, next);
}

export function remove(c: WriteContext): void {
  const live = c.store.get(c.r, c.ns, c.name!);
  if (!live) return notFound(c.res, c.r, c.name!);
  let opts: { preconditions?: { uid?: string; resourceVersion?: string }; gracePeriodSeconds?: number } = {};
  try {
    opts = c.body ? (JSON.parse(c.body) as typeof opts) : {};
  } catch {
    return badRequest(c.res, "invalid DeleteOptions");
  }
  const what = c.r.custom ? `${c.r.kind}.${c.r.group}` : c.r.kind;
  const pre = opts.preconditions ?? {};
  const detail = { name: c.name, ...(c.r.group ? { group: c.r.group } : {}), kind: c.r.kind };
  if (pre.uid && pre.uid !== live.metadata.uid) return sendStatus(c.res, 409, { message: `Operation cannot be fulfilled on ${what} "${c.name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${String(live.metadata.uid)}). The object might have been deleted and then recreated`, reason: "Conflict", details: detail });
  if (pre.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) return sendStatus(c.res, 409, { message: `Operation cannot be fulfilled on ${what} "${c.name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${live.metadata.resourceVersion}). The object might have been modified`, reason: "Conflict", details: detail });
  if (dryRun(c)) return sendJson(c.res, 200, shape(c.r, c.version, live));
  // A Pod is first marked (MODIFIED with deletionTimestamp). A scheduled one then stays until its kubelet
  // confirms (no kubelet here: until a delete with gracePeriodSeconds=0); an unscheduled one goes at once.
  if (c.r.plural === "pods") {
    const grace = opts.gracePeriodSeconds ?? Number(c.query.get("gracePeriodSeconds") ?? "30");
    const marked = live.metadata.deletionTimestamp ? live : store(c, { ...live, metadata: { ...live.metadata, deletionTimestamp: nowSeconds(), deletionGracePeriodSeconds: grace } } as Obj, "MODIFIED");
    if ((live.spec as { nodeName?: string } | undefined)?.nodeName && grace > 0) return sendJson(c.res, 200, shape(c.r, c.version, marked));
    if (live.metadata.deletionTimestamp) store(c, { ...live, metadata: { ...live.metadata, deletionGracePeriodSeconds: 0 } } as Obj, "MODIFIED");
  }
  const gone = c.store.remove(c.r, c.ns, c.name!)!;
  if (c.r.custom || ["configmaps", "leases"].includes(c.r.plural)) return sendJson(c.res, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: c.name, ...(c.r.group ? { group: c.r.group } : {}), kind: c.r.plural, uid: live.metadata.uid } });
  sendJson(c.res, 200, shape(c.r, c.version, gone));
}
