import { describe, expect, it } from "vitest";
import { type IntentDraft, intentDraftSchema } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { TYPE, messageType } from "./protos";
import { SnapshotBuilder, resourcesFor } from "./snapshot";

/**
 * What an Envoy sidecar is sent, decoded from the bytes, against the rule
 * Envoy or istiod applies (each cited), for the points of issue 11 that are
 * about the sidecar's clusters and routes.
 */
const mesh: MeshSnapshot = {
  revision: 1,
  namespaces: ["default"],
  services: [
    { namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: {}, selector: { app: "reviews" }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC", targetPortName: "grpc" }] },
    { namespace: "default", name: "web", hostname: "web.default.svc.cluster.local", labels: {}, selector: { app: "web" }, ports: [{ name: "http", port: 8080, protocol: "HTTP", targetPortName: "http" }] },
  ],
  workloads: [],
  endpoints: [
    ...["v1", "v2"].map((v, i) => ({ namespace: "default", pod: `reviews-${v}`, workload: `reviews-${v}`, address: `10.0.0.${i + 1}`, ports: [{ name: "grpc", port: 9080 }], labels: { app: "reviews", version: v }, ready: true })),
    { namespace: "default", pod: "web-v1", workload: "web-v1", address: "10.0.1.1", ports: [{ name: "http", port: 8080 }], labels: { app: "web", version: "v1" }, ready: true },
  ],
};
const intent = (kind: string, spec: unknown, target = "reviews"): IntentDraft => intentDraftSchema.parse({ kind, namespace: "default", target, spec });
type Cluster = { name: string; type?: string; lb_policy?: string; eds_cluster_config?: unknown; connect_timeout?: { seconds?: string; nanos?: number }; typed_extension_protocol_options?: Record<string, { type_url: string; value: Uint8Array }> };

function clusters(intents: IntentDraft[], client: "envoy" | "proxyless"): Map<string, Cluster> {
  const snap = new SnapshotBuilder().build(mesh, intents);
  const msg = messageType(TYPE.cluster);
  return new Map([...resourcesFor(snap, TYPE.cluster, undefined, client).all].map(([name, r]) => [name, msg.toObject(msg.decode(r.any.value), { longs: String, enums: String, defaults: false }) as Cluster]));
}
const ms = (d: { seconds?: string; nanos?: number } | undefined) => (d ? Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : undefined);
function protocolOptions(c: Cluster) {
  const any = c.typed_extension_protocol_options?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  if (!any) return undefined;
  const msg = messageType(any.type_url);
  return msg.toObject(msg.decode(any.value), { longs: String, enums: String, defaults: false });
}

describe("an Envoy sidecar's clusters", () => {
  it("PASSTHROUGH is an ORIGINAL_DST cluster (istiod: cluster_traffic_policy.go applyLoadBalancer; Envoy refuses CLUSTER_PROVIDED on EDS), proxyless keeps EDS with round robin", () => {
    const lb = [intent("load-balancer", { simple: "PASSTHROUGH" })];
    const e = clusters(lb, "envoy").get("outbound|9080|v1|reviews.default.svc.cluster.local")!;
    expect([e.type, e.lb_policy, e.eds_cluster_config]).toEqual(["ORIGINAL_DST", "CLUSTER_PROVIDED", undefined]);
    const p = clusters(lb, "proxyless").get("outbound|9080|v1|reviews.default.svc.cluster.local")!;
    expect([p.type, p.lb_policy]).toEqual(["EDS", "ROUND_ROBIN"]);
  });

  it("speaks HTTP/2 upstream on gRPC ports and HTTP/1.1 on HTTP ports (istiod: cluster_builder.go setUpstreamProtocol), with istiod's 10s connect timeout", () => {
    const all = clusters([], "envoy");
    const grpcCluster = all.get("outbound|9080||reviews.default.svc.cluster.local")!;
    expect(protocolOptions(grpcCluster)).toEqual({ explicit_http_config: { http2_protocol_options: {} } });
    expect(ms(grpcCluster.connect_timeout)).toBe(10_000);
    expect(protocolOptions(all.get("outbound|8080||web.default.svc.cluster.local")!)).toBeUndefined();
  });

  it("connectTimeout and maxRequestsPerConnection reach the cluster (istiod: applyConnectionPool)", () => {
    const cb = [intent("circuit-breaking", { connectionPool: { tcp: { connectTimeout: "250ms" }, http: { maxRequestsPerConnection: 7 } } }), intent("circuit-breaking", { connectionPool: { http: { maxRequestsPerConnection: 3 } } }, "web")];
    const all = clusters(cb, "envoy");
    const r = all.get("outbound|9080|v1|reviews.default.svc.cluster.local")!;
    expect(ms(r.connect_timeout)).toBe(250);
    expect(protocolOptions(r)).toEqual({ common_http_protocol_options: { max_requests_per_connection: { value: 7 } }, explicit_http_config: { http2_protocol_options: {} } });
    expect(protocolOptions(all.get("outbound|8080|v1|web.default.svc.cluster.local")!)).toEqual({ common_http_protocol_options: { max_requests_per_connection: { value: 3 } }, explicit_http_config: { http_protocol_options: {} } });
  });

  it("consistent hash puts a hash_policy on every route of the sidecars' shared route configuration (header, cookie, source IP)", () => {
    for (const [consistentHash, policy] of [
      [{ httpHeaderName: "x-user" }, { header: { header_name: "x-user" } }],
      [{ httpCookie: { name: "session", ttl: "10s" } }, { cookie: { name: "session", ttl: { seconds: "10", nanos: 0 } } }],
      [{ useSourceIp: true }, { connection_properties: { source_ip: true } }],
    ] as const) {
      const snap = new SnapshotBuilder().build(mesh, [intent("load-balancer", { consistentHash })]);
      const msg = messageType(TYPE.route);
      const rc = msg.toObject(msg.decode(resourcesFor(snap, TYPE.route, undefined, "envoy").all.get("9080")!.any.value), { longs: String, enums: String, defaults: false }) as { virtual_hosts: { name: string; routes: { route: { hash_policy?: unknown[] } }[] }[] };
      const reviews = rc.virtual_hosts.find((v) => v.name.startsWith("reviews"))!;
      for (const r of reviews.routes) expect(r.route.hash_policy).toEqual([policy]);
    }
  });
});

describe("the sidecars' shared route configuration", () => {
  const twoNamespaces: MeshSnapshot = {
    ...mesh,
    namespaces: ["default", "staging"],
    services: [...mesh.services, { ...mesh.services[0]!, namespace: "staging", hostname: "reviews.staging.svc.cluster.local" }],
    endpoints: [...mesh.endpoints, { namespace: "staging", pod: "reviews-s1", workload: "reviews-s1", address: "10.1.0.1", ports: [{ name: "grpc", port: 9080 }], labels: { app: "reviews", version: "v1" }, ready: true }],
  };
  const domainsOf = (snap: ReturnType<SnapshotBuilder["build"]>, proxy: string | undefined) => {
    const msg = messageType(TYPE.route);
    const rc = msg.toObject(msg.decode(resourcesFor(snap, TYPE.route, proxy, "envoy").all.get("9080")!.any.value), { defaults: false }) as { virtual_hosts: { name: string; domains: string[] }[] };
    return new Map(rc.virtual_hosts.map((v) => [v.name, v.domains]));
  };
  // Envoy: "Only unique values for domains are permitted. Duplicate entry of domain {} in route {}"
  // (source/common/router/config_impl.cc); istiod gives the bare name to the proxy's own namespace only.
  const duplicates = (byHost: Map<string, string[]>) => {
    const all = [...byHost.values()].flat();
    return all.filter((d, i) => all.indexOf(d) !== i);
  };

  it("never repeats a domain when two namespaces have a service of the same name; the bare name belongs to the sidecar's own namespace", () => {
    const snap = new SnapshotBuilder().build(twoNamespaces, []);
    for (const proxy of [undefined, "productpage-v1.default", "tester.staging"]) expect(duplicates(domainsOf(snap, proxy)), String(proxy)).toEqual([]);
    expect(domainsOf(snap, "productpage-v1.default").get("reviews.default.svc.cluster.local:9080")).toContain("reviews");
    expect(domainsOf(snap, "productpage-v1.default").get("reviews.staging.svc.cluster.local:9080")).not.toContain("reviews");
    expect(domainsOf(snap, "tester.staging").get("reviews.staging.svc.cluster.local:9080")).toEqual(expect.arrayContaining(["reviews", "reviews:9080", "reviews.staging"]));
    // A sidecar whose namespace is unknown: no bare name that two namespaces share, the qualified ones stay.
    const unknown = domainsOf(snap, undefined);
    expect(unknown.get("reviews.default.svc.cluster.local:9080")).not.toContain("reviews");
    expect(unknown.get("reviews.default.svc.cluster.local:9080")).toContain("reviews.default");
    expect(unknown.get("web.default.svc.cluster.local:8080")).toBeUndefined(); // on port 8080's configuration
  });

  it("changes when only what Envoy gets changes (a mirror percentage proxyless clients never see)", () => {
    const b = new SnapshotBuilder();
    const before = resourcesFor(b.build(mesh, [intent("mirroring", { subset: "v2", percentage: 10 })]), TYPE.route, undefined, "envoy").all.get("9080")!.hash;
    const after = resourcesFor(b.build(mesh, [intent("mirroring", { subset: "v2", percentage: 20 })]), TYPE.route, undefined, "envoy").all.get("9080")!.hash;
    expect(after).not.toBe(before);
  });
});

describe("a sidecar's outbound capture (issue 11, point 9)", () => {
  it("has istiod's listener set: virtualOutbound on 15001 handing connections to unbound port listeners by original destination, the rest passed through", () => {
    // istiod: pilot/pkg/networking/core/listener.go buildVirtualOutboundListener (15001, use_original_dst,
    // default filter chain to PassthroughCluster); port listeners have bind_to_port false; cluster_builder.go
    // buildDefaultPassthroughCluster (ORIGINAL_DST, CLUSTER_PROVIDED).
    const snap = new SnapshotBuilder().build(mesh, []);
    const lmsg = messageType(TYPE.listener);
    const listener = (name: string) => lmsg.toObject(lmsg.decode(resourcesFor(snap, TYPE.listener, "reviews-v1.default", "envoy").all.get(name)!.any.value), { longs: String, enums: String, defaults: false }) as Record<string, unknown>;
    const vo = listener("virtualOutbound") as { address: { socket_address: { port_value: number } }; use_original_dst: { value: boolean }; listener_filters: { name: string }[]; default_filter_chain: { filters: { name: string; typed_config: { type_url: string; value: Uint8Array } }[] } };
    expect([vo.address.socket_address.port_value, vo.use_original_dst.value, vo.listener_filters.map((f) => f.name)]).toEqual([15001, true, ["envoy.filters.listener.original_dst"]]);
    const tcp = vo.default_filter_chain.filters[0]!;
    const tmsg = messageType(tcp.typed_config.type_url);
    expect(tmsg.toObject(tmsg.decode(tcp.typed_config.value))).toMatchObject({ cluster: "PassthroughCluster" });
    expect(listener("0.0.0.0_9080")).toMatchObject({ bind_to_port: { value: false } });
    const passthrough = clusters([], "envoy").get("PassthroughCluster")!;
    expect([passthrough.type, passthrough.lb_policy]).toEqual(["ORIGINAL_DST", "CLUSTER_PROVIDED"]);
    // Proxyless clients get none of it.
    expect(resourcesFor(snap, TYPE.listener, undefined, "proxyless").all.has("virtualOutbound")).toBe(false);
    expect(clusters([], "proxyless").has("PassthroughCluster")).toBe(false);
  });
});

describe("an Envoy sidecar's route timeouts", () => {
  // istiod, pilot/pkg/networking/core/route/route.go setTimeout: the VirtualService's timeout or none
  // (0s, where Envoy's default would be 15 s), and max_grpc_timeout the same.
  const routeOf = (intents: IntentDraft[]) => {
    const snap = new SnapshotBuilder().build(mesh, intents);
    const msg = messageType(TYPE.route);
    const rc = msg.toObject(msg.decode(resourcesFor(snap, TYPE.route, undefined, "envoy").all.get("9080")!.any.value), { longs: String, enums: String, defaults: false }) as { virtual_hosts: { name: string; routes: { route: { timeout?: { seconds?: string; nanos?: number }; max_grpc_timeout?: { seconds?: string; nanos?: number } } }[] }[] };
    return rc.virtual_hosts.find((v) => v.name.startsWith("reviews"))!.routes[0]!.route;
  };
  it("no timeout intent: 0s (no timeout), not Envoy's 15 s default; with one, it bounds grpc-timeout too", () => {
    const none = routeOf([]);
    expect([ms(none.timeout), ms(none.max_grpc_timeout)]).toEqual([0, 0]);
    const two = routeOf([intent("timeouts-retries", { timeout: "2s" })]);
    expect([ms(two.timeout), ms(two.max_grpc_timeout)]).toEqual([2000, 2000]);
  });
});

describe("an Envoy sidecar's retry policy, as istiod's (pilot/pkg/networking/core/route/retry/retry.go)", () => {
  type Retry = { retry_on?: string; num_retries?: { value?: number }; per_try_timeout?: { seconds?: string; nanos?: number }; retry_host_predicate?: { name: string }[]; host_selection_retry_max_attempts?: string; retriable_status_codes?: number[] };
  const retryOf = (intents: IntentDraft[]) => {
    const snap = new SnapshotBuilder().build(mesh, intents);
    const msg = messageType(TYPE.route);
    const rc = msg.toObject(msg.decode(resourcesFor(snap, TYPE.route, undefined, "envoy").all.get("9080")!.any.value), { longs: String, enums: String, defaults: false }) as { virtual_hosts: { name: string; routes: { route: { retry_policy?: Retry } }[] }[] };
    return rc.virtual_hosts.find((v) => v.name.startsWith("reviews"))!.routes[0]!.route.retry_policy;
  };
  it("no retries intent: DefaultPolicy (2 retries on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes with 503, previous hosts, 5 host selection attempts)", () => {
    const r = retryOf([])!;
    expect([r.retry_on, r.num_retries?.value, r.retry_host_predicate?.map((p) => p.name), r.host_selection_retry_max_attempts, r.retriable_status_codes]).toEqual([
      "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
      2,
      ["envoy.retry_host_predicates.previous_hosts"],
      "5",
      [503],
    ]);
  });
  it("attempts 0 turns retries off; attempts, conditions and per-try timeout override the default; consistent hashing keeps to its host", () => {
    expect(retryOf([intent("timeouts-retries", { retries: { attempts: 0 } })])).toBeUndefined();
    const r = retryOf([intent("timeouts-retries", { retries: { attempts: 4, perTryTimeout: "300ms", retryOn: ["5xx", "reset"] } })])!;
    expect([r.retry_on, r.num_retries?.value, ms(r.per_try_timeout), r.retriable_status_codes]).toEqual(["5xx,reset", 4, 300, undefined]);
    expect(retryOf([intent("load-balancer", { consistentHash: { httpHeaderName: "x-user" } })])!.retry_host_predicate).toBeUndefined();
  });
});

describe("matches, field by field as istiod's route_test.go (TestBuildHTTPRoutes) expects them", () => {
  type Match = { safe_regex?: { regex: string }; prefix?: string; path?: string; headers?: { name: string; string_match: Record<string, unknown> }[]; query_parameters?: { name: string; string_match: Record<string, unknown> }[] };
  const firstMatch = (match: unknown) => {
    const snap = new SnapshotBuilder().build(mesh, [intent("request-routing", { rules: [{ match: [match], route: [{ subset: "v2", weight: 100 }] }] })]);
    const msg = messageType(TYPE.route);
    const rc = msg.toObject(msg.decode(resourcesFor(snap, TYPE.route, undefined, "envoy").all.get("9080")!.any.value), { defaults: false }) as { virtual_hosts: { name: string; routes: { match: Match }[] }[] };
    return rc.virtual_hosts.find((v) => v.name.startsWith("reviews"))!.routes[0]!.match;
  };
  it("regex on URI: match.safe_regex.regex", () => {
    expect(firstMatch({ uri: { regex: "\\/(.?)\\/status" } }).safe_regex).toEqual({ regex: "\\/(.?)\\/status" });
  });
  it("regex on a header: headers[0].string_match.safe_regex.regex", () => {
    expect(firstMatch({ headers: { "foo-header": { regex: "Bearer .+?\\..+?\\..+?" } } }).headers).toEqual([{ name: "foo-header", string_match: { safe_regex: { regex: "Bearer .+?\\..+?\\..+?" } } }]);
  });
  it("exact, prefix and regex on a query parameter: query_parameters[0].string_match", () => {
    expect(firstMatch({ queryParams: { token: { exact: "foo" } } }).query_parameters).toEqual([{ name: "token", string_match: { exact: "foo" } }]);
    expect(firstMatch({ queryParams: { token: { prefix: "foo-" } } }).query_parameters).toEqual([{ name: "token", string_match: { prefix: "foo-" } }]);
    expect(firstMatch({ queryParams: { token: { regex: "BAR .+?\\..+?\\..+?" } } }).query_parameters).toEqual([{ name: "token", string_match: { safe_regex: { regex: "BAR .+?\\..+?\\..+?" } } }]);
  });
});
