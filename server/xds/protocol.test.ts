import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeshSnapshot } from "../mesh/model";
import { intentDraftSchema } from "../intents/schemas";
import { quietLog } from "../testing/databases";
import { TYPE, includeDirs, messageType } from "./protos";
import { buildResources } from "./resources";
import { inboundChains, inboundResources } from "./inbound";
import { AdsServer } from "./server";
import { SnapshotBuilder, buildSnapshot } from "./snapshot";

/** The ADS protocol rules, checked with a plain gRPC stream client (not an xDS library). */
const mesh: MeshSnapshot = {
  revision: 1,
  namespaces: ["default"],
  services: [{ namespace: "default", name: "reviews", hostname: "reviews.default.svc.cluster.local", labels: {}, selector: { app: "reviews" }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC", targetPortName: "grpc" }] }],
  workloads: [],
  endpoints: ["v1", "v2"].map((v, i) => ({ namespace: "default", pod: `reviews-${v}-abc`, workload: `reviews-${v}`, address: "10.0.0." + (i + 1), ports: [{ name: "grpc", port: 9080 }], labels: { app: "reviews", version: v }, ready: true })),
};
const shift = (v1: number) => intentDraftSchema.parse({ kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: v1 }, { subset: "v2", weight: 100 - v1 }] } });

type Response = { version_info: string; nonce: string; type_url: string; resources: { type_url: string; value: Buffer }[] };

describe("ADS protocol", () => {
  const server = new AdsServer(quietLog);
  let port: number;
  let Client: grpc.ServiceClientConstructor;
  beforeAll(async () => {
    port = await server.listen("127.0.0.1", 0);
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, includeDirs: includeDirs() });
    Client = grpc.loadPackageDefinition(pkg).envoy as never;
    Client = (Client as unknown as { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } }).service.discovery.v3.AggregatedDiscoveryService;
  });
  afterAll(() => server.close());

  /** A stream (state-of-the-world or delta) with a queue of responses and its final status. */
  function openStream<R>(method: "StreamAggregatedResources" | "DeltaAggregatedResources") {
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, R>>)[method]!.call(client);
    const queue: R[] = [];
    const waiters: ((r: R) => void)[] = [];
    let status: grpc.StatusObject | undefined;
    call.on("data", (r: R) => (waiters.length ? waiters.shift()!(r) : queue.push(r)));
    call.on("status", (s) => (status = s));
    call.on("error", () => {});
    const next = (ms = 3000) =>
      new Promise<R>((resolve, reject) => {
        if (queue.length) return resolve(queue.shift()!);
        const t = setTimeout(() => reject(new Error("no response")), ms);
        waiters.push((r) => {
          clearTimeout(t);
          resolve(r);
        });
      });
    const none = async (ms = 400) => {
      await new Promise((r) => setTimeout(r, ms));
      return queue.length === 0;
    };
    const ended = () =>
      new Promise<grpc.StatusObject>((resolve) => {
        if (status) return resolve(status);
        call.on("status", resolve);
      });
    return { call, next, none, ended, close: () => (call.end(), client.close()) };
  }
  const open = () => openStream<Response>("StreamAggregatedResources");
  const openDelta = () => openStream<DeltaResponse>("DeltaAggregatedResources");
  const node = { id: "router~10.0.0.9~test.default~default.svc.cluster.local", cluster: "protocol-test" };

  it("answers a wildcard CDS request with every cluster, then stays quiet after the ACK", async () => {
    const s = open();
    s.call.write({ node, type_url: TYPE.cluster });
    const r = await s.next();
    expect(r.type_url).toBe(TYPE.cluster);
    const names = r.resources.map((x) => (messageType(TYPE.cluster).decode(x.value) as unknown as { name: string }).name).sort();
    // A raw client (not gRPC) is taken for an Envoy: it also gets the sidecars' passthrough and black-hole clusters.
    expect(names).toEqual(["BlackHoleCluster", "PassthroughCluster", "outbound|9080||reviews.default.svc.cluster.local", "outbound|9080|v1|reviews.default.svc.cluster.local", "outbound|9080|v2|reviews.default.svc.cluster.local"].sort());
    s.call.write({ node, type_url: TYPE.cluster, version_info: r.version_info, response_nonce: r.nonce });
    expect(await s.none()).toBe(true);
    s.close();
  });

  it("sends only the named EDS resources, and again when the names change", async () => {
    const s = open();
    s.call.write({ node, type_url: TYPE.endpoint, resource_names: ["outbound|9080|v1|reviews.default.svc.cluster.local"] });
    const r = await s.next();
    expect(r.resources).toHaveLength(1);
    s.call.write({ node, type_url: TYPE.endpoint, version_info: r.version_info, response_nonce: r.nonce, resource_names: ["outbound|9080|v1|reviews.default.svc.cluster.local", "outbound|9080|v2|reviews.default.svc.cluster.local"] });
    const r2 = await s.next();
    expect(r2.resources).toHaveLength(2);
    expect(r2.nonce).not.toBe(r.nonce);
    s.close();
  });

  it("records a NACK (told by error_detail, whatever the version) and does not resend the rejected version", async () => {
    const s = open();
    const nacker = { ...node, id: "nacker" };
    const routeName = "reviews.default.svc.cluster.local:9080";
    server.events.take();
    s.call.write({ node: nacker, type_url: TYPE.route, resource_names: [routeName] });
    const r = await s.next();
    s.call.write({ node: nacker, type_url: TYPE.route, resource_names: [routeName], version_info: r.version_info, response_nonce: r.nonce, error_detail: { code: 3, message: "route is bad" } });
    expect(await s.none()).toBe(true);
    // Told to Sextant's telemetry: one push, one NACK, no ACK time (it was not accepted).
    expect(server.events.take()).toMatchObject({ pushes: { [TYPE.route]: 1 }, nacks: { [TYPE.route]: 1 }, acks: [] });
    const status = server.proxies().find((p) => p.nodeId === "nacker")!.types.find((t) => t.typeUrl === TYPE.route)!;
    expect(status.nack?.message).toBe("route is bad");
    // A new snapshot (a real change) is pushed to the NACKing proxy.
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(50)])));
    const r2 = await s.next();
    expect(r2.version_info).not.toBe(r.version_info);
    s.close();
  });

  it("pushes a named subscription only when one of its resources changed", async () => {
    const s = open();
    const n = { ...node, id: "named" };
    s.call.write({ node: n, type_url: TYPE.endpoint, resource_names: ["outbound|9080|v1|reviews.default.svc.cluster.local"] });
    const r = await s.next();
    s.call.write({ node: n, type_url: TYPE.endpoint, resource_names: ["outbound|9080|v1|reviews.default.svc.cluster.local"], version_info: r.version_info, response_nonce: r.nonce });
    // A weight change alters routes only: the endpoints of v1 are the same, so nothing is sent.
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(30)])));
    expect(await s.none()).toBe(true);
    // v1 gains a pod: its load assignment changes, so it is sent.
    const more = { ...mesh, endpoints: [...mesh.endpoints, { ...mesh.endpoints[0]!, pod: "reviews-v1-def", address: "10.0.0.7" }] };
    server.setSnapshot(buildSnapshot(buildResources(more, [shift(30)])));
    expect((await s.next()).resources).toHaveLength(1);
    s.close();
  });

  it("ignores a request answering an older nonce", async () => {
    const s = open();
    s.call.write({ node: { ...node, id: "stale" }, type_url: TYPE.listener });
    const r = await s.next();
    s.call.write({ node: { ...node, id: "stale" }, type_url: TYPE.listener, response_nonce: "not-the-last-nonce", error_detail: { code: 3, message: "old" } });
    expect(await s.none()).toBe(true);
    expect(server.proxies().find((p) => p.nodeId === "stale")!.types[0]!.nack).toBeUndefined();
    // Wildcard LDS from a client that is not gRPC (an Envoy): the sidecars' outbound listeners only.
    expect(r.resources.map((x) => (messageType(TYPE.listener).decode(x.value) as unknown as { name: string }).name).sort()).toEqual(["0.0.0.0_9080", "virtualOutbound"]);
    s.close();
  });

  it("sends a sidecar only what a sidecar uses, and a proxyless client only its api_listeners (issue 11, point 5)", async () => {
    // A proxyless api_listener's HttpConnectionManager has no stat_prefix, which Envoy's PGV rule refuses
    // (http_connection_manager.proto: string stat_prefix = 2 [(validate.rules).string = {min_len: 1}]).
    const names = (r: Response) => r.resources.map((x) => (messageType(TYPE.listener).decode(x.value) as unknown as { name: string }).name).sort();
    const envoy = open();
    envoy.call.write({ node: { ...node, id: "envoy-lds", user_agent_name: "envoy" }, type_url: TYPE.listener });
    expect(names(await envoy.next())).toEqual(["0.0.0.0_9080", "virtualOutbound"]);
    const grpcClient = open();
    grpcClient.call.write({ node: { ...node, id: "grpc-lds", user_agent_name: "gRPC Node Pure JS" }, type_url: TYPE.listener });
    expect(names(await grpcClient.next())).toEqual(["reviews.default.svc.cluster.local:9080"]);
    // Istio's proxyless bootstrap says GENERATOR=grpc in the node metadata (a google.protobuf.Struct;
    // the loader takes well-known types with camelCase names).
    const istioGrpc = open();
    istioGrpc.call.write({ node: { ...node, id: "istio-grpc-lds", metadata: { fields: { GENERATOR: { stringValue: "grpc" } } } }, type_url: TYPE.listener });
    expect(names(await istioGrpc.next())).toEqual(["reviews.default.svc.cluster.local:9080"]);
    expect(server.proxies().filter((p) => p.nodeId.endsWith("-lds")).map((p) => [p.nodeId, p.client]).sort()).toEqual([
      ["envoy-lds", "envoy"],
      ["grpc-lds", "proxyless"],
      ["istio-grpc-lds", "proxyless"],
    ]);
    envoy.close();
    grpcClient.close();
    istioGrpc.close();
  });

  it("gives an Envoy sidecar an outbound socket listener with an HttpConnectionManager on RDS '9080', holding every service's virtual host", async () => {
    const s = open();
    const envoy = { ...node, id: "sidecar~10.0.0.5~productpage-v1-abc.default~default.svc.cluster.local" };
    s.call.write({ node: envoy, type_url: TYPE.listener, resource_names: ["0.0.0.0_9080"] });
    const l = await s.next();
    const listener = messageType(TYPE.listener).toObject(messageType(TYPE.listener).decode(l.resources[0]!.value), { enums: String, longs: Number, defaults: false }) as {
      name: string;
      address: { socket_address: { address: string; port_value: number } };
      traffic_direction: string;
      filter_chains: { filters: { name: string; typed_config: { type_url: string; value: Uint8Array } }[] }[];
    };
    expect(listener).toMatchObject({ name: "0.0.0.0_9080", address: { socket_address: { address: "0.0.0.0", port_value: 9080 } }, traffic_direction: "OUTBOUND" });
    const f = listener.filter_chains[0]!.filters[0]!;
    expect(f.name).toBe("envoy.filters.network.http_connection_manager");
    const hcm = messageType(TYPE.hcm).toObject(messageType(TYPE.hcm).decode(f.typed_config.value), { defaults: false }) as { rds: { route_config_name: string }; http_filters: { name: string }[] };
    expect(hcm.rds.route_config_name).toBe("9080");
    expect(hcm.http_filters.map((x) => x.name)).toEqual(["envoy.filters.http.fault", "envoy.filters.http.router"]);
    s.call.write({ node: envoy, type_url: TYPE.route, resource_names: ["9080"] });
    const r = await s.next();
    const rc = messageType(TYPE.route).toObject(messageType(TYPE.route).decode(r.resources[0]!.value), { defaults: false }) as { name: string; virtual_hosts: { name: string; domains: string[] }[] };
    expect(rc.name).toBe("9080");
    expect(rc.virtual_hosts.map((v) => v.name)).toEqual(["reviews.default.svc.cluster.local:9080"]);
    expect(rc.virtual_hosts[0]!.domains).toContain("reviews:9080");
    s.close();
  });

  it("gives a sidecar its own pod's inbound listener and clusters, other pods not, and pushes a rate limit only to the pods it selects", async () => {
    type Chain = { filter_chain_match: { destination_port: { value: number } }; filters: { name: string; typed_config: { value: Uint8Array } }[] };
    const decode = <T,>(type: string, v: Uint8Array) => messageType(type).toObject(messageType(type).decode(v), { enums: String, longs: Number, defaults: false }) as T;
    const builder = new SnapshotBuilder();
    server.setSnapshot(builder.build(mesh, [shift(80)]));
    const sidecar = (pod: string) => ({ ...node, id: `sidecar~10.0.0.1~${pod}.default~default.svc.cluster.local` });
    const [v1, v2, other] = [open(), open(), open()];
    for (const [s, pod] of [[v1, "reviews-v1-abc"], [v2, "reviews-v2-abc"], [other, "productpage-v1-xyz"]] as const) s.call.write({ node: sidecar(pod), type_url: TYPE.listener });
    const [l1, l2, lo] = [await v1.next(), await v2.next(), await other.next()];
    const names = (r: Response) => r.resources.map((x) => decode<{ name: string }>(TYPE.listener, x.value).name).sort();
    expect(names(l1)).toEqual(["0.0.0.0_9080", "virtualInbound", "virtualOutbound"].sort());
    expect(names(lo)).not.toContain("virtualInbound");
    const inbound = (r: Response) =>
      decode<{ address: { socket_address: { port_value: number } }; traffic_direction: string; filter_chains: Chain[] }>(TYPE.listener, r.resources.find((x) => decode<{ name: string }>(TYPE.listener, x.value).name === "virtualInbound")!.value);
    const vi = inbound(l1);
    expect(vi).toMatchObject({ address: { socket_address: { port_value: 15006 } }, traffic_direction: "INBOUND" });
    expect(vi.filter_chains.map((c) => c.filter_chain_match.destination_port.value)).toEqual([9080]);
    type Hcm = { stat_prefix: string; route_config: { name: string; virtual_hosts: { routes: { route: { cluster: string; rate_limits?: unknown[] }; typed_per_filter_config?: Record<string, { value: Uint8Array }> }[] }[] }; http_filters: { name: string }[] };
    const hcm = (l: typeof vi) => decode<Hcm>(TYPE.hcm, l.filter_chains[0]!.filters[0]!.typed_config.value);
    expect(hcm(vi).route_config.virtual_hosts[0]!.routes[0]!.route.cluster).toBe("inbound|9080||");
    expect(hcm(vi).http_filters.map((f) => f.name)).toEqual(["envoy.filters.http.router"]);
    v1.call.write({ node: sidecar("reviews-v1-abc"), type_url: TYPE.cluster });
    const c1 = await v1.next();
    const local = c1.resources.map((x) => decode<{ name: string; type: string; load_assignment?: unknown }>(TYPE.cluster, x.value)).find((c) => c.name === "inbound|9080||");
    expect(local).toMatchObject({ type: "STATIC", load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 9080 } } } }] }] } });
    for (const [s, r] of [[v1, l1], [v2, l2], [other, lo]] as const) s.call.write({ node: sidecar("x"), type_url: TYPE.listener, version_info: r.version_info, response_nonce: r.nonce });
    v1.call.write({ node: sidecar("x"), type_url: TYPE.cluster, version_info: c1.version_info, response_nonce: c1.nonce });

    // A rate limit selecting version v1 only: v1's sidecar gets a new listener; v2's and others' nothing.
    const rateLimit = {
      filters: [{ name: "envoy.filters.http.local_ratelimit", typeUrl: TYPE.localRateLimit, config: { stat_prefix: "http_local_rate_limiter" } }],
      rateLimits: [{ actions: [{ generic_key: { descriptor_value: "test" } }] }],
      perRoute: { "envoy.filters.http.local_ratelimit": { typeUrl: TYPE.localRateLimit, config: { stat_prefix: "http_local_rate_limiter", token_bucket: { max_tokens: 10, tokens_per_fill: 10, fill_interval: "60s" } } } },
    };
    server.setSnapshot(builder.build(mesh, [shift(80)], [{ namespace: "default", selector: { app: "reviews", version: "v1" }, rateLimit }]));
    const l1b = await v1.next();
    expect(l1b.version_info).not.toBe(l1.version_info);
    const h = hcm(inbound(l1b));
    expect(h.http_filters.map((f) => f.name)).toEqual(["envoy.filters.http.local_ratelimit", "envoy.filters.http.router"]);
    const route = h.route_config.virtual_hosts[0]!.routes[0]!;
    expect(route.route.rate_limits).toHaveLength(1);
    expect(decode<{ token_bucket: { max_tokens: number } }>(TYPE.localRateLimit, route.typed_per_filter_config!["envoy.filters.http.local_ratelimit"]!.value).token_bucket.max_tokens).toBe(10);
    expect(await v2.none()).toBe(true);
    expect(await other.none(50)).toBe(true);
    for (const s of [v1, v2, other]) s.close();
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
  });

  it("ends a stream with INVALID_ARGUMENT for a missing node id or a type_url that is not one, and keeps serving others", async () => {
    const bad = open();
    bad.call.write({ node, type_url: "Bogus" });
    const st = await bad.ended();
    expect(st.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(st.details).toContain("is not a type URL");
    const anonymous = open();
    anonymous.call.write({ type_url: TYPE.cluster });
    expect((await anonymous.ended()).details).toContain("node.id");
    const good = open();
    good.call.write({ node, type_url: TYPE.cluster });
    expect((await good.next()).resources.length).toBe(5); // 3 of reviews, the sidecars' passthrough and black hole
    good.close();
  });

  type DeltaResponse = { nonce: string; type_url: string; system_version_info: string; resources: { name: string; version: string }[]; removed_resources: string[] };
  const v = (x: string) => `outbound|9080|${x}|reviews.default.svc.cluster.local`;

  it("delta: subscribes by name, sends only what changed or was added, and honours unsubscribe", async () => {
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const s = openDelta();
    const n = { ...node, id: "delta-named" };
    s.call.write({ node: n, type_url: TYPE.endpoint, resource_names_subscribe: [v("v1")] });
    const r = await s.next();
    expect(r.resources.map((x) => x.name)).toEqual([v("v1")]);
    s.call.write({ node: n, type_url: TYPE.endpoint, response_nonce: r.nonce });
    // A weight change does not touch endpoints: nothing is sent.
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(60)])));
    expect(await s.none()).toBe(true);
    // Subscribing to v2 as well sends v2 only.
    s.call.write({ node: n, type_url: TYPE.endpoint, resource_names_subscribe: [v("v2")] });
    const r2 = await s.next();
    expect(r2.resources.map((x) => x.name)).toEqual([v("v2")]);
    s.call.write({ node: n, type_url: TYPE.endpoint, response_nonce: r2.nonce });
    expect(server.proxies().find((p) => p.nodeId === "delta-named")!.types[0]).toMatchObject({ ackedVersion: r2.system_version_info });
    // After unsubscribing v1 (answered, with nothing), a change to v1's pods is not sent.
    s.call.write({ node: n, type_url: TYPE.endpoint, resource_names_unsubscribe: [v("v1")] });
    const r3 = await s.next();
    expect([r3.resources ?? [], r3.removed_resources ?? []]).toEqual([[], []]);
    s.call.write({ node: n, type_url: TYPE.endpoint, response_nonce: r3.nonce });
    await expect.poll(() => server.proxies().find((p) => p.nodeId === "delta-named")!.types[0]!.subscribed).toEqual([v("v2")]);
    const more = { ...mesh, endpoints: [...mesh.endpoints, { ...mesh.endpoints[0]!, pod: "reviews-v1-zzz", address: "10.0.0.9" }] };
    server.setSnapshot(buildSnapshot(buildResources(more, [shift(60)])));
    expect(await s.none()).toBe(true);
    s.close();
  });

  it("delta: a wildcard subscription learns of removed resources, and initial versions are not resent", async () => {
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const s = openDelta();
    const n = { ...node, id: "delta-wildcard" };
    s.call.write({ node: n, type_url: TYPE.cluster });
    const r = await s.next();
    expect(r.resources.map((x) => x.name).sort()).toEqual(["BlackHoleCluster", "PassthroughCluster", v(""), v("v1"), v("v2")].sort());
    s.call.write({ node: n, type_url: TYPE.cluster, response_nonce: r.nonce });
    // v2's pods go away and nothing routes to v2 any more: its cluster is removed.
    const onlyV1 = { ...mesh, endpoints: mesh.endpoints.filter((e) => e.labels.version === "v1") };
    server.setSnapshot(buildSnapshot(buildResources(onlyV1, [])));
    const r2 = await s.next();
    expect(r2.removed_resources).toEqual([v("v2")]);
    s.close();

    // A client that already holds v1's cluster at its current version is not sent it again.
    const again = openDelta();
    const held = r.resources.find((x) => x.name === v("v1"))!;
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    again.call.write({ node: { ...n, id: "delta-initial" }, type_url: TYPE.cluster, resource_names_subscribe: [v("v1"), v("v2")], initial_resource_versions: { [v("v1")]: held.version } });
    const r3 = await again.next();
    expect(r3.resources.map((x) => x.name)).toEqual([v("v2")]);
    again.close();
  });

  it("delta: a sidecar's wildcard LDS holds its own inbound listener, and loses it when its pod goes", async () => {
    const builder = new SnapshotBuilder();
    server.setSnapshot(builder.build(mesh, [shift(80)]));
    const s = openDelta();
    const n = { ...node, id: "sidecar~10.0.0.1~reviews-v2-abc.default~default.svc.cluster.local" };
    s.call.write({ node: n, type_url: TYPE.listener });
    const r = await s.next();
    expect(r.resources.map((x) => x.name)).toContain("virtualInbound");
    s.call.write({ node: n, type_url: TYPE.listener, response_nonce: r.nonce });
    server.setSnapshot(builder.build({ ...mesh, endpoints: mesh.endpoints.filter((e) => e.pod !== "reviews-v2-abc") }, [shift(80)]));
    const r2 = await s.next();
    expect(r2.removed_resources).toContain("virtualInbound");
    s.close();
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
  });

  it("delta: records a NACK from error_detail", async () => {
    const s = openDelta();
    const n = { ...node, id: "delta-nack" };
    s.call.write({ node: n, type_url: TYPE.listener });
    const r = await s.next();
    s.call.write({ node: n, type_url: TYPE.listener, response_nonce: r.nonce, error_detail: { code: 3, message: "listener is bad" } });
    await expect.poll(() => server.proxies().find((p) => p.nodeId === "delta-nack")?.types[0]?.nack?.message).toBe("listener is bad");
    s.close();
  });

  // Issue 11, points 10-13: the incremental protocol as the xDS specification words it.
  it("an unserved type (a Secret request) is answered with nothing, and the rest of the stream goes on (clusters still update)", async () => {
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const s = openDelta();
    const n = { ...node, id: "delta-secret" };
    s.call.write({ node: n, type_url: TYPE.cluster });
    const c = await s.next();
    s.call.write({ node: n, type_url: TYPE.cluster, response_nonce: c.nonce });
    s.call.write({ node: n, type_url: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", resource_names_subscribe: ["default", "ROOTCA"] });
    const secret = await s.next();
    expect([secret.type_url, secret.resources ?? [], [...(secret.removed_resources ?? [])].sort()]).toEqual(["type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", [], ["ROOTCA", "default"]]);
    // The stream is alive: a cluster change still arrives.
    const onlyV1 = { ...mesh, endpoints: mesh.endpoints.filter((e) => e.labels.version === "v1") };
    server.setSnapshot(buildSnapshot(buildResources(onlyV1, [])));
    const c2 = await s.next();
    expect([c2.type_url, c2.removed_resources]).toEqual([TYPE.cluster, [v("v2")]]);
    s.close();
  });

  it("a subscription change carried by a request with a stale nonce is honoured ('These two fields can be set in any DeltaDiscoveryRequest, including ACKs', discovery.proto)", async () => {
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const s = openDelta();
    const n = { ...node, id: "delta-stale" };
    s.call.write({ node: n, type_url: TYPE.endpoint, resource_names_subscribe: [v("v1")] });
    const r = await s.next();
    // The client ACKs an older nonce while subscribing to v2 (a push raced its ACK).
    s.call.write({ node: n, type_url: TYPE.endpoint, response_nonce: "1", resource_names_subscribe: [v("v2")] });
    const r2 = await s.next();
    expect(r2.resources.map((x) => x.name)).toEqual([v("v2")]);
    expect(r2.nonce).not.toBe(r.nonce);
    s.close();
  });

  it("subscribing to a name that does not exist gets it in removed_resources ('Removed resources for missing resources can be ignored', discovery.proto)", async () => {
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const s = openDelta();
    s.call.write({ node: { ...node, id: "delta-missing" }, type_url: TYPE.endpoint, resource_names_subscribe: [v("v1"), v("v9")] });
    const r = await s.next();
    expect([r.resources.map((x) => x.name), r.removed_resources]).toEqual([[v("v1")], [v("v9")]]);
    s.close();
  });

  it("re-subscribing to a resource the client holds resends it ('the server must respond with all resources listed in resource_names_subscribe, even if it believes the client has the most recent version', discovery.proto)", async () => {
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const s = openDelta();
    const n = { ...node, id: "delta-resub" };
    s.call.write({ node: n, type_url: TYPE.endpoint, resource_names_subscribe: [v("v1")] });
    const r = await s.next();
    s.call.write({ node: n, type_url: TYPE.endpoint, response_nonce: r.nonce, resource_names_subscribe: [v("v1")] });
    const r2 = await s.next();
    expect(r2.resources.map((x) => x.name)).toEqual([v("v1")]);
    s.close();
  });

  it("a name the wildcard covers, subscribed or unsubscribed explicitly, is answered; '*' added after named requests turns the wildcard on", async () => {
    server.setSnapshot(buildSnapshot(buildResources(mesh, [shift(80)])));
    const s = openDelta();
    const n = { ...node, id: "delta-star" };
    s.call.write({ node: n, type_url: TYPE.cluster, resource_names_subscribe: [v("v1")] });
    const r = await s.next();
    expect(r.resources.map((x) => x.name)).toEqual([v("v1")]);
    s.call.write({ node: n, type_url: TYPE.cluster, response_nonce: r.nonce, resource_names_subscribe: ["*"] });
    const all = await s.next();
    expect(all.resources.map((x) => x.name).sort()).toEqual(["BlackHoleCluster", "PassthroughCluster", v(""), v("v2")].sort()); // v1 is held already
    expect(server.proxies().find((p) => p.nodeId === "delta-star")!.types[0]!.subscribed).toBe("*");
    s.call.write({ node: n, type_url: TYPE.cluster, response_nonce: all.nonce, resource_names_subscribe: [v("v2")] });
    const again = await s.next();
    expect(again.resources.map((x) => x.name)).toEqual([v("v2")]);
    s.call.write({ node: n, type_url: TYPE.cluster, response_nonce: again.nonce, resource_names_unsubscribe: [v("v2")] });
    const unsub = await s.next();
    expect([unsub.resources ?? [], unsub.removed_resources ?? []]).toEqual([[], []]); // still covered by the wildcard
    s.close();
  });

  it("subscription lists are bounded per stream and type: past the limit the stream ends with RESOURCE_EXHAUSTED saying so, and the server stays responsive", async () => {
    const { MAX_NAMES } = await import("./server");
    const s = openDelta();
    s.call.write({ node: { ...node, id: "delta-flood" }, type_url: TYPE.endpoint, resource_names_subscribe: Array.from({ length: MAX_NAMES + 1 }, (_, i) => `name-${i}`) });
    const st = await s.ended();
    expect(st.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(st.details).toContain(`at most ${MAX_NAMES} names`);
    expect(server.proxies().find((p) => p.nodeId === "delta-flood")).toBeUndefined();
    const sotw = open();
    sotw.call.write({ node: { ...node, id: "sotw-flood" }, type_url: TYPE.endpoint, resource_names: Array.from({ length: MAX_NAMES + 1 }, (_, i) => `name-${i}`) });
    expect((await sotw.ended()).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe("resources round-trip through Envoy's real message types", () => {
  it("loses no field: decoding the encoded resource gives back what was built", () => {
    const intents = [
      shift(80),
      intentDraftSchema.parse({ kind: "request-routing", namespace: "default", target: "reviews", spec: { rules: [{ match: [{ headers: { "end-user": { exact: "jason" } }, uri: { prefix: "/sextant" } }], route: [{ subset: "v2", weight: 100 }] }] } }),
      intentDraftSchema.parse({ kind: "timeouts-retries", namespace: "default", target: "reviews", spec: { timeout: "2.5s", retries: { attempts: 3, perTryTimeout: "500ms", retryOn: ["5xx"] } } }),
      intentDraftSchema.parse({ kind: "circuit-breaking", namespace: "default", target: "reviews", spec: { connectionPool: { tcp: { maxConnections: 10 } }, outlierDetection: { consecutive5xxErrors: 5, interval: "10s" } } }),
      intentDraftSchema.parse({ kind: "load-balancer", namespace: "default", target: "reviews", spec: { simple: "LEAST_REQUEST" } }),
      intentDraftSchema.parse({ kind: "mirroring", namespace: "default", target: "reviews", spec: { subset: "v2", percentage: 12.5 } }),
    ];
    // Envoy's flavour carries every field (mirroring, per-try timeouts, LEAST_REQUEST); proxyless gRPC's is checked below.
    for (const r of [buildResources(mesh, intents, "proxyless")]) {
      const snap = buildSnapshot(r);
      for (const [type, items] of [[TYPE.route, r.routes], [TYPE.cluster, r.clusters]] as const) {
        const msg = messageType(type);
        for (const [name, built] of Object.entries(items)) {
          const back = msg.toObject(msg.decode(snap.resources[type].get(name)!.any.value), { longs: String, enums: String, defaults: false });
          expect(JSON.parse(JSON.stringify(back, (_k, v) => (typeof v === "number" ? String(v) : v))), name).toEqual(JSON.parse(JSON.stringify(built, (_k, v) => (typeof v === "number" ? String(v) : v))));
        }
      }
    }
    const r = buildResources(mesh, intents, "envoy");
    const snap = buildSnapshot(r);
    const mirror = ((r.routes["reviews.default.svc.cluster.local:9080"]!.virtual_hosts as { routes: { route: Record<string, unknown> }[] }[])[0]!.routes[0]!.route).request_mirror_policies;
    expect(mirror).toEqual([{ cluster: "outbound|9080|v2|reviews.default.svc.cluster.local", runtime_fraction: { default_value: { numerator: 125000, denominator: "MILLION" } } }]);
    const norm = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === "number" ? String(v) : v)));
    for (const [type, items] of [
      [TYPE.route, r.routes],
      [TYPE.cluster, r.clusters],
      [TYPE.endpoint, r.endpoints],
    ] as const) {
      const msg = messageType(type);
      for (const [name, built] of Object.entries(items)) {
        const encoded = snap.resources[type].get(name)!;
        const back = msg.toObject(msg.decode(encoded.any.value), { longs: String, enums: String, defaults: false });
        expect(norm(back), `${type} ${name}`).toEqual(norm(built));
      }
    }
    // Listeners (and every Any inside them: HttpConnectionManager, router, local rate limit, per-route
    // configs), shared and a rate-limited pod's own: decoding as the real types and encoding again gives
    // the same bytes, so no field is unknown to Envoy's messages or dropped.
    const rateLimit = {
      filters: [{ name: "envoy.filters.http.local_ratelimit", typeUrl: TYPE.localRateLimit, config: { stat_prefix: "http_local_rate_limiter" } }],
      rateLimits: [{ actions: [{ generic_key: { descriptor_value: "test" } }] }],
      perRoute: { "envoy.filters.http.local_ratelimit": { typeUrl: TYPE.localRateLimit, config: { stat_prefix: "http_local_rate_limiter", token_bucket: { max_tokens: 10, tokens_per_fill: 10, fill_interval: "60s" } } } },
    };
    const limited = new SnapshotBuilder().build(mesh, intents, [{ namespace: "default", selector: { app: "reviews", version: "v1" }, rateLimit }]);
    const seen = new Set<string>();
    const roundTrip = (any: { type_url: string; value: Uint8Array }, where: string): void => {
      const type = messageType(any.type_url);
      const decoded = type.decode(any.value);
      expect(Buffer.from(type.encode(decoded).finish()).equals(Buffer.from(any.value)), `${where}: ${any.type_url}`).toBe(true);
      seen.add(any.type_url);
      // Every Any inside, decoded as its own type in turn.
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) x.forEach(walk);
        else if (x && typeof x === "object" && !(x instanceof Uint8Array)) {
          const o = x as Record<string, unknown>;
          if (typeof o.type_url === "string" && o.value instanceof Uint8Array) roundTrip(o as { type_url: string; value: Uint8Array }, where);
          else Object.values(o).forEach(walk);
        }
      };
      walk(decoded);
    };
    const listeners = [...limited.resources[TYPE.listener].values(), ...limited.proxies!.get("reviews-v1-abc.default")!.resources[TYPE.listener]];
    expect(listeners.map((l) => l.name)).toContain("virtualInbound");
    for (const l of listeners) roundTrip(l.any, l.name);
    expect([...seen].sort()).toEqual([TYPE.listener, TYPE.hcm, TYPE.localRateLimit, TYPE.tcpProxy, "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router", "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst"].sort());
    // A sidecar's own inbound clusters too.
    const part = new SnapshotBuilder().build(mesh, intents).proxies!.get("reviews-v1-abc.default")!;
    const built = inboundResources(inboundChains([{ port: 9080, host: "reviews.default.svc.cluster.local" }])).clusters;
    for (const c of part.resources[TYPE.cluster]) {
      const back = messageType(TYPE.cluster).toObject(messageType(TYPE.cluster).decode(c.any.value), { longs: String, enums: String, defaults: false });
      expect(norm(back), c.name).toEqual(norm(built[c.name]));
    }
  });
});
