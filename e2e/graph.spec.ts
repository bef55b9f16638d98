import fs from "node:fs";
import { type Page, expect, test } from "@playwright/test";

/** The live graph over the demo mesh's own telemetry (no Prometheus in this run), in Chromium. */

async function openGraph(page: Page, query = "graphType=workload") {
  await page.goto(`/graph?${query}`);
  // The demo telemetry needs two samples (2 s apart) before it has rates; the page refreshes every 10 s.
  await expect
    .poll(async () => page.evaluate(() => window.sextantGraph?.edgeIds().length ?? 0), { timeout: 40_000, message: "graph edges drawn" })
    .toBeGreaterThanOrEqual(7);
  // The first layout has settled (small graphs: ELK's answer applied), so positions read now stay.
  await expect.poll(() => page.getByTestId("graph-canvas").getAttribute("data-layout-engine"), { timeout: 20_000 }).not.toBeNull();
}

test("renders the demo's nodes and edges", async ({ page }) => {
  await openGraph(page);
  const nodes = await page.evaluate(() => window.sextantGraph!.nodeIds().sort());
  expect(nodes).toEqual([
    "unknown",
    "wl:default:details-v1",
    "wl:default:productpage-v1",
    "wl:default:ratings-v1",
    "wl:default:reviews-v1",
    "wl:default:reviews-v2",
    "wl:default:reviews-v3",
  ]);
  const edges = await page.evaluate(() => window.sextantGraph!.edgeIds());
  expect(edges).toContain("wl:default:reviews-v3>wl:default:ratings-v1>grpc");
  await expect(page.getByTestId("graph-summary")).toContainText("7 nodes, 7 edges · demo telemetry");
  await expect(page.getByRole("application", { name: /Service graph: 7 nodes, 7 edges/ })).toBeVisible();
});

test("clicking an edge opens its panel with numbers and history", async ({ page }) => {
  await openGraph(page);
  const id = "wl:default:productpage-v1>wl:default:details-v1>grpc";
  const p = await page.evaluate((edge) => window.sextantGraph!.clientPoint(edge), id);
  await page.mouse.click(p!.x, p!.y);
  const panel = page.getByTestId("side-panel");
  await expect(panel).toBeVisible();
  await expect(panel.getByRole("heading", { name: "productpage-v1 → details-v1" })).toBeVisible();
  const rate = Number((await panel.getByTestId("edge-rate").innerText()).replace(" rps", ""));
  expect(rate).toBeGreaterThan(1);
  await expect(panel.getByTestId("latency")).toHaveText(/\d+\.\d ms \/ \d+\.\d ms \/ \d+\.\d ms/, { timeout: 20_000 });
  await expect(panel.getByRole("table", { name: "Response codes" })).toContainText("200");
  await expect(panel.getByRole("img", { name: /Requests per second over the last/ })).toBeVisible({ timeout: 20_000 });
  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();
});

test("a refresh keeps every node where it was", async ({ page }) => {
  await openGraph(page);
  const before = await page.evaluate(() => Object.fromEntries(window.sextantGraph!.nodeIds().map((id) => [id, window.sextantGraph!.position(id)])));
  const layouts = await page.getByTestId("graph-canvas").getAttribute("data-layouts");
  const updated = await page.getByTestId("last-updated").innerText();
  await page.getByRole("button", { name: "Refresh", exact: true }).click();
  await expect(page.getByTestId("last-updated")).not.toHaveText(updated, { timeout: 20_000 });
  const after = await page.evaluate(() => Object.fromEntries(window.sextantGraph!.nodeIds().map((id) => [id, window.sextantGraph!.position(id)])));
  expect(after).toEqual(before);
  await expect(page.getByTestId("graph-canvas")).toHaveAttribute("data-layouts", layouts!);
});

test("exports the graph as PNG and as JSON", async ({ page }) => {
  await openGraph(page);
  const [png] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export PNG" }).click()]);
  expect(png.suggestedFilename()).toMatch(/^sextant-graph-.*\.png$/);
  const bytes = fs.readFileSync((await png.path())!);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.length).toBeGreaterThan(5000);

  const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON" }).click()]);
  const graph = JSON.parse(fs.readFileSync((await json.path())!, "utf8"));
  expect(graph.edges.length).toBe(7);
  expect(graph.graphType).toBe("workload");
});

test("find highlights matches and explains mistakes", async ({ page }) => {
  await openGraph(page);
  await page.keyboard.press("/");
  await expect(page.getByLabel("Find")).toBeFocused();
  await page.keyboard.type("name=reviews kind=workload");
  await expect(page.getByTestId("find-status")).toHaveText("3 matches");
  await page.getByLabel("Find").fill("colour=red");
  await expect(page.getByTestId("find-status")).toContainText('unknown field "colour"');
  await expect(page.getByLabel("Find")).toHaveAttribute("aria-invalid", "true");
});

test("when refreshing fails, the last graph stays and a banner says why it is stale", async ({ page }) => {
  await openGraph(page);
  const count = await page.evaluate(() => window.sextantGraph!.nodeIds().length);
  await page.route("**/api/graph?*", (route) =>
    route.fulfill({
      status: 503,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "unavailable", message: "Prometheus is unavailable: cannot reach http://prometheus:9090: connect ECONNREFUSED" }, requestId: "r-1" }),
    }),
  );
  await page.getByRole("button", { name: "Refresh", exact: true }).click();
  const banner = page.getByTestId("stale-banner");
  await expect(banner).toBeVisible({ timeout: 15_000 });
  await expect(banner).toContainText("it is stale");
  await expect(banner).toContainText("Prometheus is unavailable: cannot reach http://prometheus:9090");
  expect(await page.evaluate(() => window.sextantGraph!.nodeIds().length)).toBe(count);
  await page.unroute("**/api/graph?*");
  await page.getByRole("button", { name: "Refresh", exact: true }).click();
  await expect(banner).toBeHidden({ timeout: 15_000 });
});

test("the p95 edge label asks the server for response times", async ({ page }) => {
  const asked = page.waitForRequest((r) => r.url().includes("/api/graph?") && r.url().includes("responseTime=p95"));
  await openGraph(page, "graphType=workload&edgeLabels=p95");
  await asked;
  const json = await page.evaluate(async () => (await fetch("/api/graph?graphType=workload&responseTime=p95")).json());
  expect(json.edges.some((e: { latency: { p95: number | null } }) => (e.latency.p95 ?? 0) > 0)).toBe(true);
});

test("options live in the URL: graph type and edge labels", async ({ page }) => {
  await openGraph(page, "graphType=versionedApp&edgeLabels=percent");
  await expect(page.getByLabel("Graph type")).toHaveValue("versionedApp");
  expect(await page.evaluate(() => window.sextantGraph!.nodeIds())).toContain("va:default:reviews:v2");
  await page.getByLabel("Graph type").selectOption("app");
  await expect(page).toHaveURL(/graphType=app/);
  await expect.poll(() => page.evaluate(() => window.sextantGraph!.nodeIds().includes("app:default:reviews"))).toBe(true);
});

/** Whether a node's centre is inside the visible canvas. */
async function inCanvas(page: Page, id: string): Promise<boolean> {
  const box = (await page.getByTestId("graph-canvas").boundingBox())!;
  const p = await page.evaluate((n) => window.sextantGraph!.clientPoint(n), id);
  return !!p && p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height;
}

test("the selected node stays in view when the side panel opens", async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 800 });
  await openGraph(page);
  // The right-most node: the one the panel would cover.
  const ids = await page.evaluate(() => window.sextantGraph!.nodeIds());
  const xs = await page.evaluate((all) => all.map((id) => [id, window.sextantGraph!.clientPoint(id)!.x] as const), ids);
  const [rightmost] = [...xs].sort((a, b) => b[1] - a[1])[0]!;
  const p = await page.evaluate((n) => window.sextantGraph!.clientPoint(n), rightmost);
  await page.mouse.click(p!.x, p!.y);
  await expect(page.getByTestId("side-panel")).toBeVisible();
  await expect.poll(() => inCanvas(page, rightmost)).toBe(true);
});

test("after versionedApp -> service -> versionedApp every node is on the canvas without pressing Fit", async ({ page }) => {
  await openGraph(page, "graphType=versionedApp");
  await page.getByLabel("Graph type").selectOption("service");
  await expect.poll(() => page.evaluate(() => window.sextantGraph!.nodeIds().some((id) => id.startsWith("svc:"))), { timeout: 20_000 }).toBe(true);
  await page.getByLabel("Graph type").selectOption("versionedApp");
  await expect.poll(() => page.evaluate(() => window.sextantGraph!.nodeIds().filter((id) => id.startsWith("va:default:reviews:")).length), { timeout: 20_000 }).toBe(3);
  for (const v of ["v1", "v2", "v3"]) await expect.poll(() => inCanvas(page, `va:default:reviews:${v}`)).toBe(true);
});

test("nodes are reached by keyboard: arrows move between them, Enter opens one", async ({ page }) => {
  await openGraph(page);
  await page.getByTestId("graph-canvas").focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("graph-announce")).toContainText("1 of 7");
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("graph-announce")).toContainText("2 of 7");
  const name = (await page.getByTestId("graph-announce").innerText()).split(",")[0]!;
  await page.keyboard.press("Enter");
  const panel = page.getByTestId("side-panel");
  await expect(panel).toBeVisible();
  await expect(panel.getByRole("heading").first()).toContainText(name);
  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();
});

test("badges show what is in force: a fault on details marks its nodes and the edges into it", async ({ page }) => {
  const current = await (await page.request.get("/api/intents?namespace=default&target=details&kind=fault-injection")).json();
  const put = await page.request.put("/api/intents", {
    data: { intent: { kind: "fault-injection", namespace: "default", target: "details", spec: { match: [{ headers: { "end-user": { exact: "nobody" } } }], delay: { fixedDelay: "1s", percentage: 1 } } }, expectedRevision: current.intents[0]?.revision ?? 0 },
  });
  expect(put.status()).toBe(200);
  await openGraph(page);
  await expect.poll(() => page.evaluate(() => window.sextantGraph!.label("wl:default:details-v1")), { timeout: 40_000 }).toContain("⚡");
  expect(await page.evaluate(() => window.sextantGraph!.label("wl:default:ratings-v1"))).not.toContain("⚡");
  const into = (await page.evaluate(() => window.sextantGraph!.edgeIds())).find((e) => e.includes(">wl:default:details-v1>"))!;
  expect(await page.evaluate((e) => window.sextantGraph!.label(e), into)).toMatch(/^⚡/);
  await expect(page.getByLabel("Legend")).toContainText("⚡ fault injection");
});

test("a small graph is laid out by ELK (compound-aware, in a worker) with the entry point on the left", async ({ page }) => {
  await openGraph(page, "graphType=versionedApp");
  await page.getByRole("button", { name: "Re-layout" }).click();
  await expect.poll(() => page.getByTestId("graph-canvas").getAttribute("data-layout-engine"), { timeout: 20_000 }).toBe("elk");
  const xs = await page.evaluate(() => Object.fromEntries(window.sextantGraph!.nodeIds().map((id) => [id, window.sextantGraph!.position(id)!.x])));
  expect(xs.unknown).toBe(Math.min(...Object.values(xs)));
  // Callers left of what they call.
  expect(xs["va:default:productpage:v1"]!).toBeLessThan(xs["va:default:reviews:v2"]!);
  expect(xs["va:default:reviews:v2"]!).toBeLessThan(xs["va:default:ratings:v1"]!);
});
