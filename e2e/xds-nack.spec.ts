import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { expect, test } from "@playwright/test";
import { includeDirs } from "../server/xds/protos";

/**
 * A proxy that rejects what it was sent: a raw ADS client (state of the world)
 * asks for reviews' listener, then NACKs the response the way gRPC's xDS
 * client does ("resource index N: ..."). The Proxies page shows NACKED with
 * the rejected resource by name and the client's message.
 */
const XDS_PORT = Number(process.env.E2E_XDS_PORT ?? 15110);
const NODE = "nacking-proxy";
const LISTENER = "reviews.default.svc.cluster.local:9080";
const TYPE_LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

test("a NACK shows as NACKED on the Proxies page, per rejected resource, with the client's message", async ({ page }) => {
  const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, includeDirs: includeDirs() });
  const Ads = (grpc.loadPackageDefinition(pkg) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } }).envoy.service.discovery.v3.AggregatedDiscoveryService;
  const client = new Ads(`127.0.0.1:${XDS_PORT}`, grpc.credentials.createInsecure());
  const call = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, { nonce: string; version_info: string }> }).StreamAggregatedResources();
  call.on("error", () => undefined);
  try {
    const first = new Promise<{ nonce: string; version_info: string }>((resolve) => call.once("data", resolve));
    call.write({ node: { id: NODE, cluster: "e2e", user_agent_name: "gRPC Node Pure JS" }, type_url: TYPE_LDS, resource_names: [LISTENER] });
    const r = await first;
    call.write({ type_url: TYPE_LDS, resource_names: [LISTENER], response_nonce: r.nonce, version_info: "", error_detail: { code: 14, message: "xDS response validation errors: [resource index 0: HttpConnectionManager validation failed: made-up reason]" } });

    await page.goto("/proxies");
    const row = page.getByTestId(`proxy-${NODE}`);
    await expect(row).toContainText("proxyless gRPC");
    const lds = row.getByTestId("sync-listener");
    await expect(lds).toContainText("NACKED");
    const rejected = lds.getByRole("list", { name: "listener resources rejected" });
    await expect(rejected).toContainText(LISTENER);
    await expect(rejected).toContainText("made-up reason");
  } finally {
    call.end();
    client.close();
  }
});
