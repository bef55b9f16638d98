import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import YAML from "yaml";
import { type ApiResource, RESOURCES, apiVersionOf, qualified } from "./resources";
import { badRequest, details, notFound, sendJson, sendNotFoundText, sendStatus, shape } from "./respond";
import { SelectorError, parseFieldSelector, parseLabelSelector } from "./selectors";
import { type Obj, ObjectStore, type StoredEvent } from "./store";
import { type WriteContext, create, patch, remove, replace } from "./writes";

/**
 * TEST DOUBLE — an in-process stand-in for kube-apiserver 1.32, for tests only: no real
 * Kubernetes API server can run here. It keeps the semantics Sextant relies on, as recorded
 * from a real server in ../shared/kube-transcripts (its tests replay them):
 * resourceVersion and 409 on stale writes; list with paging; watch with bookmarks, initial
 * events and `410 Expired` as an ERROR event; server-side apply with field managers,
 * managedFields, conflicts and force; dryRun=All; 401/403/404/409/415/422 shaped as the real
 * server shapes them; SelfSubjectReview and SelfSubjectAccessReview answered from the same token
 * map and `authorize` rule that guard every request (RBAC itself is a function, not Roles and
 * RoleBindings); Leases with their MicroTime fields (six fractional digits or 400) and duration
 * checks (transcript 10). What it does NOT copy (tests must not rely on these):
 *  - lists are always served from the current state (a list at an older resourceVersion that
 *    is still in the window answers with the current objects);
 *  - admission, defaulting, garbage collection, controllers (no pods appear by themselves);
 *  - strategic merge patch (treated as a JSON merge patch), list-map keys (every list is atomic),
 *    protobuf, Table/PartialObjectMetadata, field selectors beyond name/namespace/phase/nodeName.
 */
export interface KubeApiDoubleOptions {
  /** Bearer token -> user name. Requests with another token get 401; without one, they are system:anonymous. */
  tokens?: Record<string, string>;
  /** RBAC: may `user` do `verb` on `resource` (e.g. "pods", "pods/status") of `group` in `namespace`? Default: every known token may do anything. */
  authorize?: (a: { user: string; verb: string; group: string; resource: string; namespace: string | undefined }) => boolean;
  /** Which optional CRD groups are installed (default both). */
  crds?: { istio?: boolean; slime?: boolean };
  bookmarkIntervalMs?: number;
  /** Event log window: a watch from a resourceVersion older than this many events gets 410. */
  watchWindow?: number;
}

interface Watcher {
  res: ServerResponse;
  stalled: boolean;
}

export class KubeApiDouble {
  readonly store: ObjectStore;
  private server?: http.Server;
  private readonly watchers = new Set<Watcher>();
  /** Requests served, for tests that count them. */
  readonly requests: { method: string; path: string; status: number }[] = [];
  url = "";

  constructor(private readonly opts: KubeApiDoubleOptions = {}) {
    this.store = new ObjectStore(opts.watchWindow);
  }

  /** Serves on `port` (0: any free one); start again after stop() on the same port for an API server that comes back with its objects. */
  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.on("finish", () => this.requests.push({ method: req.method ?? "", path: req.url ?? "", status: res.statusCode }));
        try {
          this.handle(req, res, Buffer.concat(chunks).toString("utf8"));
        } catch (e) {
          sendStatus(res, 500, { message: `test double: ${e instanceof Error ? e.stack : String(e)}` });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.closeWatches();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  resource(group: string, plural: string): ApiResource {
    const r = RESOURCES.find((x) => x.group === group && x.plural === plural);
    if (!r) throw new Error(`test double: no resource ${plural}.${group}`);
    return r;
  }

  /** Loads objects (multi-document YAML or objects) as if created by kubectl; namespaces appear as needed. */
  load(input: string | Obj[], namespace?: string): void {
    const docs = typeof input === "string" ? YAML.parseAllDocuments(input).map((d) => d.toJS() as Obj).filter(Boolean) : input;
    for (const d of docs) {
      const r = RESOURCES.find((x) => apiVersionOf(x, String(d.apiVersion).split("/").pop()!) === d.apiVersion && x.kind === d.kind);
      if (!r) throw new Error(`test double: cannot load ${String(d.apiVersion)} ${String(d.kind)}`);
      if (r.namespaced) {
        d.metadata.namespace ??= namespace ?? "default";
        this.ensureNamespace(d.metadata.namespace);
      }
      if (r.custom || r.group === "apps") d.metadata.generation ??= 1;
      const live = this.store.get(r, d.metadata.namespace, d.metadata.name);
      this.store.put(r, { ...d, metadata: { ...d.metadata, uid: live?.metadata.uid } } as Obj, live ? "MODIFIED" : "ADDED");
    }
  }

  ensureNamespace(name: string): void {
    const nsR = this.resource("", "namespaces");
    if (!this.store.get(nsR, undefined, name)) this.store.put(nsR, { apiVersion: "v1", kind: "Namespace", metadata: { name }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } }, "ADDED");
  }

  /** Ends every open watch, as an API server restart or a load balancer would. */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** Open watches stop receiving events but stay connected (a hung connection); new watches are unaffected. */
  stallWatches(): void {
    for (const w of this.watchers) w.stalled = true;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private installed(r: ApiResource): boolean {
    return !r.crdGroup || this.opts.crds?.[r.crdGroup] !== false;
  }

  /** SelfSubjectReview ("who am I"), as kube-apiserver 1.32 answers it (transcript 08). */
  private whoAmI(res: ServerResponse, user: string): void {
    const groups = user === "system:anonymous" ? ["system:unauthenticated"] : ["system:authenticated"];
    sendJson(res, 201, { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") }, status: { userInfo: { username: user, uid: `uid-${user}`, groups } } });
  }

  /** SelfSubjectAccessReview: "may I do this?", answered by the same `authorize` that guards every request. */
  private accessReview(res: ServerResponse, user: string, body: string): void {
    let review: { spec?: { resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string } } };
    try {
      review = JSON.parse(body) as typeof review;
    } catch {
      return sendStatus(res, 400, { message: "the body of the request was not JSON", reason: "BadRequest" });
    }
    const a = review.spec?.resourceAttributes;
    if (!a) return sendStatus(res, 422, { message: "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec: Invalid value: ...: exactly one of nonResourceAttributes or resourceAttributes must be specified", reason: "Invalid" });
    const resource = a.subresource ? `${a.resource ?? ""}/${a.subresource}` : (a.resource ?? "");
    const allowed = user !== "system:anonymous" && (this.opts.authorize?.({ user, verb: a.verb ?? "", group: a.group ?? "", resource, namespace: a.namespace || undefined }) ?? true);
    const managed = [{ manager: "sextant-console", operation: "Update", apiVersion: "authorization.k8s.io/v1", time: new Date().toISOString().replace(/\.\d+Z$/, "Z"), fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:resourceAttributes": Object.fromEntries([[".", {}], ...Object.keys(a).sort().map((k) => [`f:${k}`, {}])]) } } }];
    sendJson(res, 201, { kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", metadata: { creationTimestamp: null, managedFields: managed }, spec: { resourceAttributes: a }, status: { allowed } });
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? "/", "http://double");
    const seg = url.pathname.split("/").filter(Boolean);
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
    const tokens = this.opts.tokens;
    let user = "system:anonymous";
    if (token !== undefined) {
      if (tokens && !(token in tokens)) return sendStatus(res, 401, { message: "Unauthorized", reason: "Unauthorized" });
      user = tokens?.[token] ?? "admin";
    }
    if (url.pathname === "/version") return sendJson(res, 200, { major: "1", minor: "32", gitVersion: "v1.32.0-test-double", platform: "linux/amd64" }, {}, false);
    if (req.method === "POST" && url.pathname === "/apis/authentication.k8s.io/v1/selfsubjectreviews") return this.whoAmI(res, user);
    if (req.method === "POST" && url.pathname === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") return this.accessReview(res, user, body);
    if (seg[0] !== "api" && seg[0] !== "apis") return sendNotFoundText(res);
    const group = seg[0] === "api" ? "" : (seg[1] ?? "");
    const rest = seg.slice(seg[0] === "api" ? 1 : 2);
    const version = rest[0];
    if (seg[0] === "apis" && seg.length === 1) return this.groups(res);
    const inGroup = RESOURCES.filter((r) => r.group === group && this.installed(r));
    if (inGroup.length === 0) return sendNotFoundText(res);
    if (!version) return seg[0] === "api" ? sendJson(res, 200, { kind: "APIVersions", versions: ["v1"] }) : sendJson(res, 200, this.groupDoc(group));
    const inVersion = inGroup.filter((r) => r.versions.includes(version));
    if (inVersion.length === 0) return sendNotFoundText(res);
    const path = rest.slice(1);
    if (path.length === 0) return sendJson(res, 200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf(inVersion[0]!, version), resources: inVersion.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"] })) });
    let ns: string | undefined;
    let parts = path;
    if (path[0] === "namespaces" && path.length >= 3) {
      ns = path[1];
      parts = path.slice(2);
    }
    const r = inVersion.find((x) => x.plural === parts[0]);
    if (!r || (r.namespaced === false && ns !== undefined) || parts.length > 3) return sendNotFoundText(res);
    const [, name, sub] = parts;
    const method = req.method ?? "GET";
    const watch = ["1", "true"].includes(url.searchParams.get("watch") ?? "");
    const verb = method === "GET" ? (name ? "get" : watch ? "watch" : "list") : method === "POST" ? "create" : method === "PUT" ? "update" : method === "PATCH" ? "patch" : "delete";
    const allowed = user !== "system:anonymous" && (this.opts.authorize?.({ user, verb, group, resource: sub ? `${r.plural}/${sub}` : r.plural, namespace: ns }) ?? true);
    if (!allowed) {
      const where = ns ? `in the namespace "${ns}"` : "at the cluster scope";
      return sendStatus(res, 403, { message: `${qualified(r)}${name ? ` "${name}"` : ""} is forbidden: User "${user}" cannot ${verb} resource "${sub ? `${r.plural}/${sub}` : r.plural}" in API group "${group}" ${where}`, reason: "Forbidden", details: details(r, name) }, { "X-Content-Type-Options": "nosniff" });
    }
    if (method === "GET" && !name) return watch ? this.watch(res, r, version, ns, url.searchParams) : this.list(res, r, version, ns, url.searchParams);
    if (method === "GET") {
      const o = this.store.get(r, ns, name!);
      return o ? sendJson(res, 200, shape(r, version, o)) : notFound(res, r, name!);
    }
    const ua = String(req.headers["user-agent"] ?? "unknown");
    const c: WriteContext = { store: this.store, res, r, version, ns, name, sub, query: url.searchParams, manager: url.searchParams.get("fieldManager") ?? ua.split("/")[0]!, contentType: String(req.headers["content-type"] ?? ""), body };
    if (method === "POST" && !name) return create(c);
    if (method === "PUT" && name) return replace(c);
    if (method === "PATCH" && name) return patch(c);
    if (method === "DELETE" && name) return remove(c);
    sendStatus(res, 405, { message: "the server does not allow this method on the requested resource", reason: "MethodNotAllowed" });
  }

  private groupDoc(group: string) {
    const versions = [...new Set(RESOURCES.filter((r) => r.group === group && this.installed(r)).flatMap((r) => r.versions))];
    const gv = (v: string) => ({ groupVersion: `${group}/${v}`, version: v });
    return { kind: "APIGroup", apiVersion: "v1", name: group, versions: versions.map(gv), preferredVersion: gv(versions[0]!) };
  }

  private groups(res: ServerResponse): void {
    const groups = [...new Set(RESOURCES.filter((r) => r.group && this.installed(r)).map((r) => r.group))];
    sendJson(res, 200, { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((g) => this.groupDoc(g)) });
  }

  private selected(res: ServerResponse, r: ApiResource, q: URLSearchParams): ((o: Obj) => boolean) | undefined {
    try {
      const labels = parseLabelSelector(q.get("labelSelector"));
      const fields = parseFieldSelector(q.get("fieldSelector"), r.plural);
      return (o) => labels(o.metadata.labels ?? {}) && fields(o);
    } catch (e) {
      if (e instanceof SelectorError) badRequest(res, e.message);
      else throw e;
      return undefined;
    }
  }

  private list(res: ServerResponse, r: ApiResource, version: string, ns: string | undefined, q: URLSearchParams): void {
    const match = this.selected(res, r, q);
    if (!match) return;
    const rvParam = q.get("resourceVersion");
    const rvMatch = q.get("resourceVersionMatch");
    const cont = q.get("continue");
    if (rvMatch && !rvParam) return sendStatus(res, 422, { message: `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided`, reason: "Invalid", details: { group: "meta.k8s.io", kind: "ListOptions", causes: [{ reason: "FieldValueForbidden", message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", field: "resourceVersionMatch" }] } });
    if (cont && rvParam) return badRequest(res, 'specifying resource version is not allowed when using continue');
    if (rvParam && Number(rvParam) > this.store.rv + 1000) return sendStatus(res, 504, { message: "Timeout: Too large resource version: " + rvParam + ", current: " + this.store.rv, reason: "Timeout", details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 } });
    if (rvParam && rvMatch === "Exact" && Number(rvParam) < this.store.oldestWatchRv) return sendStatus(res, 410, { message: "The resourceVersion for the provided list is too old.", reason: "Expired" });
    let start = "";
    if (cont) {
      let token: { v?: string; rv?: number; start?: string };
      try {
        token = JSON.parse(Buffer.from(cont, "base64").toString("utf8")) as typeof token;
        if (token.v !== "meta.k8s.io/v1" || typeof token.rv !== "number") throw new Error();
      } catch {
        return badRequest(res, "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
      }
      if (token.rv < this.store.oldestWatchRv) return sendStatus(res, 410, { message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.", reason: "Expired", metadata: { continue: cont } });
      start = token.start ?? "";
    }
    const keyOf = (o: Obj) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    let items = this.store.list(r, ns, true).filter((o) => keyOf(o) >= start).filter(match);
    const limit = Number(q.get("limit") ?? "0");
    const metadata: Record<string, unknown> = { resourceVersion: String(this.store.rv) };
    if (limit > 0 && rvParam !== "0" && items.length > limit) {
      metadata.continue = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: this.store.rv, start: keyOf(items[limit]!) })).toString("base64");
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    const shaped = items.map((o) => shape(r, version, structuredClone(o))).map((o) => (r.custom ? o : (({ kind: _k, apiVersion: _a, ...rest }) => rest)(o)));
    sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r, version), metadata, items: shaped });
  }

  private watch(res: ServerResponse, r: ApiResource, version: string, ns: string | undefined, q: URLSearchParams): void {
    const match = this.selected(res, r, q);
    if (!match) return;
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    const w: Watcher = { res, stalled: false };
    const send = (type: string, object: unknown) => !w.stalled && !res.writableEnded && res.write(JSON.stringify({ type, object }) + "\n");
    const rvParam = q.get("resourceVersion");
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const inNs = (o: Obj) => ns === undefined || o.metadata.namespace === ns;
    const deliver = (e: StoredEvent) => {
      if (e.resource !== r || !inNs(e.obj)) return;
      const now = e.type !== "DELETED" && match(e.obj);
      const before = e.old ? match(e.old) : false;
      if (e.type === "DELETED") return before && send("DELETED", shape(r, version, e.obj));
      if (now && before) return send("MODIFIED", shape(r, version, e.obj));
      if (now) return send("ADDED", shape(r, version, e.obj));
      // Left the selector: DELETED carrying the old labels and the new resourceVersion.
      if (before) send("DELETED", shape(r, version, { ...e.old!, metadata: { ...e.old!.metadata, resourceVersion: e.obj.metadata.resourceVersion } }));
    };
    if (!rvParam || rvParam === "0") {
      for (const o of this.store.list(r, ns).filter(match)) send("ADDED", shape(r, version, o));
      if (bookmarks) send("BOOKMARK", { kind: r.kind, apiVersion: apiVersionOf(r, version), metadata: { resourceVersion: String(this.store.rv), annotations: { "k8s.io/initial-events-end": "true" } } });
    } else {
      const backlog = this.store.since(r, Number(rvParam));
      if (!backlog) {
        send("ERROR", { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${rvParam} (${this.store.oldestWatchRv})`, reason: "Expired", code: 410 });
        res.end();
        return;
      }
      backlog.forEach(deliver);
    }
    this.watchers.add(w);
    const unsubscribe = this.store.subscribe(deliver);
    const timers: NodeJS.Timeout[] = [];
    if (bookmarks) timers.push(setInterval(() => send("BOOKMARK", { kind: r.kind, apiVersion: apiVersionOf(r, version), metadata: { resourceVersion: String(this.store.rv) } }), this.opts.bookmarkIntervalMs ?? 60_000));
    const timeout = Number(q.get("timeoutSeconds") ?? "0");
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    res.on("close", () => {
      unsubscribe();
      timers.forEach((t) => clearTimeout(t));
      this.watchers.delete(w);
    });
  }
}
