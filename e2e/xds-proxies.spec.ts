import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { expect, test } from "@playwright/test";
import { applyTrafficChange } from "./traffic-helpers";
import { bookinfoServiceDefinitions } from "../server/demo/proto";

/**
 * The Proxies page with a real proxyless gRPC client (@grpc/grpc-js-xds)
 * connected from this test process to the console's xDS server, calling the
 * demo's reviews service through it. Runs after traffic.spec.ts (both change reviews).
 */
const XDS_PORT = Number(process.env.E2E_XDS_PORT ?? 15110);
const NODE = "sidecar~127.0.0.1~e2e-client.default~default.svc.cluster.local";
let client: grpc.Client;

test.beforeAll(() => {
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${XDS_PORT}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: NODE, cluster: "e2e", locality: {} },
  });
  xds.register();
  client = new grpc.Client("xds:///reviews.default.svc.cluster.local:9080", grpc.credentials.createInsecure());
});
test.afterAll(() => client?.close());

const callReviews = () => {
  const def = bookinfoServiceDefinitions().reviews.GetReviews!;
  return new Promise<string>((resolve, reject) =>
    client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, { productId: 1 }, new grpc.Metadata(), { deadline: Date.now() + 15_000 }, (err, res) =>
      err ? reject(err) : resolve((res as { podname: string }).podname),
    ),
  );
};

test("proxies (the demo's and a test client) show SYNCED; moving the reviews slider shows the new version SYNCED and moves traffic", async ({ page }) => {
  expect(await callReviews()).toMatch(/^reviews-v[123]$/);
  await page.goto("/proxies");
  const row = page.getByTestId(`proxy-${NODE}`);
  for (const t of ["listener", "route", "cluster", "endpoint"]) await expect(row.getByTestId(`sync-${t}`)).toContainText("SYNCED");
  const before = await row.getByTestId("sync-route").innerText();
  await expect(row.getByTestId("last-push")).toHaveText(/\d{1,2}:\d{2}:\d{2}/);
  // The demo mesh's workloads are proxyless clients of the same server.
  const demo = page.getByTestId("proxy-sidecar~127.0.0.1~sextant-demo.default~default.svc.cluster.local");
  for (const t of ["listener", "route", "cluster", "endpoint"]) await expect(demo.getByTestId(`sync-${t}`)).toContainText("SYNCED");
  const demoBefore = await demo.getByTestId("sync-route").innerText();

  await page.goto("/services/default/reviews");
  await page.getByRole("button", { name: "Promote v2" }).click();
  // (A move of more traffic than the threshold is confirmed first.)
  await applyTrafficChange(page);

  await page.goto("/proxies");
  await expect(row.getByTestId("sync-route")).not.toHaveText(before, { timeout: 10_000 });
  await expect(row.getByTestId("sync-route")).toContainText("SYNCED");
  await expect(demo.getByTestId("sync-route")).not.toHaveText(demoBefore, { timeout: 10_000 });
  await expect(demo.getByTestId("sync-route")).toContainText("SYNCED");
  await expect.poll(async () => (await Promise.all(Array.from({ length: 20 }, callReviews))).every((w) => w === "reviews-v2"), { timeout: 10_000 }).toBe(true);

  await row.getByRole("button", { name: "Config" }).click();
  await page.getByLabel("Type").selectOption("route");
  // istioctl proxy-config's route table: the reviews route now goes to v2 only.
  await expect(page.getByTestId("proxy-config-table")).toContainText("outbound|9080|v2|reviews.default.svc.cluster.local");
  // The listener's HttpConnectionManager is decoded, not base64.
  await page.getByLabel("Type").selectOption("listener");
  await page.getByRole("tab", { name: "JSON" }).click();
  await expect(page.getByTestId("proxy-config")).toContainText("envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
  await expect(page.getByTestId("proxy-config")).toContainText('"route_config_name"');
  await expect(page.getByTestId("proxy-config")).not.toContainText('"value": "');
  const file = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download" }).click();
  expect((await file).suggestedFilename()).toMatch(/-listeners\.json$/);
});

test("LEAST_REQUEST on reviews: proxyless clients get round robin, stay SYNCED and keep calling; the intent says which clients (SX301)", async ({ page }) => {
  expect(await callReviews()).toMatch(/^reviews-v[123]$/);
  const current = await (await page.request.get("/api/intents?namespace=default&target=reviews&kind=load-balancer")).json();
  const res = await page.request.put("/api/intents", {
    data: { intent: { kind: "load-balancer", namespace: "default", target: "reviews", spec: { simple: "LEAST_REQUEST" } }, expectedRevision: current.intents[0]?.revision ?? 0 },
  });
  expect(res.status()).toBe(200);
  const finding = (await res.json()).intent.findings.find((f: { code: string }) => f.code === "SX301");
  expect(finding.message).toContain("e2e-client.default");
  await page.goto("/proxies");
  const row = page.getByTestId(`proxy-${NODE}`);
  await expect(row).toContainText("proxyless gRPC");
  await expect.poll(async () => (await Promise.all(Array.from({ length: 30 }, () => callReviews().catch(() => "error")))).filter((w) => w === "error").length, { timeout: 10_000 }).toBe(0);
  for (const t of ["listener", "route", "cluster", "endpoint"]) await expect(row.getByTestId(`sync-${t}`)).toContainText("SYNCED");
  const demo = page.getByTestId("proxy-sidecar~127.0.0.1~sextant-demo.default~default.svc.cluster.local");
  await expect(demo.getByTestId("sync-cluster")).toContainText("SYNCED");
});

test("the Proxies page lists each demo workload: six sidecars (inbound) with their own state, proxyless clients labelled as such", async ({ page }) => {
  await page.goto("/proxies");
  for (const w of ["productpage-v1", "details-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1"]) {
    const sidecar = page.locator(`[data-testid^="proxy-sidecar~127.0.0.1~${w}-"]`).filter({ hasText: "demo workload sidecar" });
    await expect(sidecar.first().getByTestId("sync-listener")).toContainText("SYNCED", { timeout: 20_000 });
  }
  for (const w of ["productpage-v1", "reviews-v2", "reviews-v3"]) {
    await expect(page.locator(`[data-testid^="proxy-sidecar~127.0.0.1~${w}-"]`).filter({ hasText: "proxyless gRPC" }).first()).toBeVisible({ timeout: 20_000 });
  }
});
