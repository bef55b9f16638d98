import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoMesh } from "../demo/mesh";
import { MemoryRegistry } from "../mesh/registry";
import { quietLog } from "../testing/databases";
import { type Pki, makePki } from "../testing/pki";
import { refuseNode, spiffeFromSan } from "./identity";
import { includeDirs } from "./protos";
import { buildResources } from "./resources";
import { AdsServer } from "./server";
import { buildSnapshot } from "./snapshot";

/**
 * The ADS server over mTLS, with real gRPC clients (@grpc/grpc-js over TLS, speaking ADS): a
 * proxy with a certificate for its namespace receives configuration; one without a certificate,
 * with one from another CA, or claiming a node in another namespace is refused.
 */
const TYPE_CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
type Answer = { resources: unknown[]; version_info: string };

describe("xDS over mTLS with SPIFFE identities", () => {
  let pki: Pki;
  let other: Pki;
  let port = 0;
  const registry = new MemoryRegistry();
  const mesh = new DemoMesh({ registry, log: quietLog, host: "127.0.0.1", metricsPort: 0, requestsPerSecond: 0, ratingsErrorRate: 0 });
  const server = new AdsServer(quietLog);
  const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, includeDirs: includeDirs() });
  const Ads = (grpc.loadPackageDefinition(pkg) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } }).envoy.service.discovery.v3.AggregatedDiscoveryService;

  /** Opens a stream as `nodeId` with these credentials; the first answer, or the error that ended the stream. */
  async function ask(creds: grpc.ChannelCredentials, nodeId: string): Promise<Answer | grpc.ServiceError> {
    const client = new Ads(`localhost:${port}`, creds);
    const call = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, Answer> }).StreamAggregatedResources();
    try {
      return await new Promise<Answer | grpc.ServiceError>((resolve) => {
        call.once("data", resolve);
        call.once("error", resolve);
        call.write({ node: { id: nodeId, cluster: "mtls-test" }, type_url: TYPE_CDS, resource_names: [] });
      });
    } finally {
      call.cancel();
      client.close();
    }
  }
  const workload = (p: Pki, ns: string, sa: string) => {
    const c = p.issue(`${sa}.${ns}`, [`URI:spiffe://cluster.local/ns/${ns}/sa/${sa}`]);
    return grpc.credentials.createSsl(Buffer.from(pki.ca), Buffer.from(c.key), Buffer.from(c.cert));
  };

  beforeAll(async () => {
    pki = makePki();
    other = makePki();
    const serverCert = pki.issue("istiod", ["DNS:localhost", "IP:127.0.0.1"]);
    await mesh.start();
    port = await server.listen("127.0.0.1", 0, { ...serverCert, ca: pki.ca, trustDomain: "cluster.local" });
    server.setSnapshot(buildSnapshot(buildResources(registry.snapshot(), [])));
  }, 60_000);

  afterAll(async () => {
    await server.close();
    await mesh.stop();
    pki.cleanup();
    other.cleanup();
  });

  it("a proxy whose certificate names its namespace receives configuration", async () => {
    const r = await ask(workload(pki, "default", "bookinfo-reviews"), "sidecar~10.0.0.7~reviews-v2-abc.default~default.svc.cluster.local");
    expect(r).toHaveProperty("version_info");
    expect((r as Answer).resources.length).toBeGreaterThan(0);
    expect(server.proxies().some((p) => p.nodeId.includes("reviews-v2-abc.default"))).toBe(true);
  });

  it("a node in another namespace than its certificate is refused (PERMISSION_DENIED), and gets nothing", async () => {
    const r = (await ask(workload(pki, "team-b", "intruder"), "sidecar~10.0.0.7~reviews-v2-abc.default~default.svc.cluster.local")) as grpc.ServiceError;
    expect(r.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(r.details).toContain("certificate is for namespace team-b");
  });

  it("without a client certificate, or with one from another CA, the TLS handshake fails", async () => {
    const none = (await ask(grpc.credentials.createSsl(Buffer.from(pki.ca)), "sidecar~10.0.0.7~reviews-v2-abc.default~default.svc.cluster.local")) as grpc.ServiceError;
    expect(none.code).toBe(grpc.status.UNAVAILABLE);
    const foreign = other.issue("x", ["URI:spiffe://cluster.local/ns/default/sa/reviews"]);
    const forged = (await ask(grpc.credentials.createSsl(Buffer.from(pki.ca), Buffer.from(foreign.key), Buffer.from(foreign.cert)), "sidecar~10.0.0.7~reviews-v2-abc.default~default.svc.cluster.local")) as grpc.ServiceError;
    expect(forged.code).toBe(grpc.status.UNAVAILABLE);
    // A plaintext client cannot talk to it at all.
    const plain = (await ask(grpc.credentials.createInsecure(), "sidecar~10.0.0.7~reviews-v2-abc.default~default.svc.cluster.local")) as grpc.ServiceError;
    expect(plain.code).toBe(grpc.status.UNAVAILABLE);
  });

  it("reads the identity from the certificate's SAN and checks the node's namespace and trust domain", () => {
    expect(spiffeFromSan("DNS:x, URI:spiffe://cluster.local/ns/default/sa/bookinfo-reviews")).toEqual({ trustDomain: "cluster.local", namespace: "default", serviceAccount: "bookinfo-reviews" });
    expect(spiffeFromSan("URI:spiffe://a/ns/x/sa/y, URI:spiffe://a/ns/z/sa/y")).toBeUndefined();
    expect(spiffeFromSan("URI:https://example.com")).toBeUndefined();
    const id = { trustDomain: "cluster.local", namespace: "default", serviceAccount: "r" };
    expect(refuseNode("sidecar~1.2.3.4~p.default~default.svc.cluster.local", id, "cluster.local")).toBeUndefined();
    expect(refuseNode("grpc-client-1", id, "cluster.local")).toMatch(/does not name a pod and namespace/);
    expect(refuseNode("sidecar~1.2.3.4~p.default~default.svc.cluster.local", { ...id, trustDomain: "evil.org" }, "cluster.local")).toMatch(/trust domain/);
  });
});
