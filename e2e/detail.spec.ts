import { expect, test } from "@playwright/test";

/** Detail pages and the overview (issue 12, point 8), over the demo's own telemetry, in Chromium. */

test("the console opens on an overview: services by health, error edges, recent changes, proxies in sync", async ({ page }) => {
  // Early in a run the demo's ratings may not have failed yet inside the window; the page refreshes every 15 s.
  test.setTimeout(150_000);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await expect(page.getByTestId("overview-health")).toContainText("reviews", { timeout: 30_000 });
  // The demo's ratings fails a share of its calls: an error edge into it.
  await expect(page.getByTestId("overview-errors")).toContainText("ratings", { timeout: 120_000 });
  await expect(page.getByTestId("overview-proxies")).toContainText(/in sync|STALE|NACKED/);
  await page.getByTestId("overview-health").getByRole("link", { name: "reviews" }).click();
  await expect(page).toHaveURL(/\/services\/default\/reviews$/);
});

test("a service page: health, charts per version with a window, what is in force, pods and their proxies, a link to the graph", async ({ page }) => {
  await page.goto("/services/default/reviews");
  await expect(page.getByTestId("health-line")).toContainText("req/s in", { timeout: 30_000 });
  const rps = page.getByTestId("chart-in-rps");
  await expect(rps.getByRole("img")).toHaveAttribute("aria-label", /Requests, now: v1 [\d.]+ req\/s, v2 [\d.]+ req\/s, v3 [\d.]+ req\/s/, { timeout: 30_000 });
  await expect(page.getByTestId("chart-in-latency").getByRole("img")).toHaveAttribute("aria-label", /Latency p95, now: v1 [\d.]+ ms/);
  await expect(page.getByTestId("chart-out-rps")).toContainText("ratings");
  const metrics = page.waitForRequest((r) => r.url().includes("/api/services/default/reviews/metrics?minutes=30"));
  await page.getByLabel("Window").selectOption("30");
  await metrics;
  await page.getByLabel("Latency", { exact: true }).selectOption("p99");
  await expect(page.getByTestId("chart-in-latency")).toContainText("Latency p99");
  const pods = page.getByTestId("pods");
  await expect(pods.locator("tbody tr")).toHaveCount(3);
  await expect(pods).toContainText("sidecar (inbound): SYNCED", { timeout: 20_000 });
  await expect(page.getByTestId("in-force")).toBeVisible();
  await page.getByRole("link", { name: "Show in graph" }).click();
  await expect(page).toHaveURL(/graphType=service.*focus=svc%3Adefault%3Areviews/);
  await expect(page.getByTestId("side-panel")).toContainText("reviews", { timeout: 40_000 });
});

test("a workload page: its charts, pods and proxies, and the service it backs", async ({ page }) => {
  await page.goto("/services/default/reviews");
  await page.getByRole("link", { name: "reviews-v2" }).first().click();
  await expect(page).toHaveURL(/\/workloads\/default\/reviews-v2$/);
  await expect(page.getByRole("heading", { name: "reviews-v2", level: 1 })).toBeVisible();
  await expect(page.getByTestId("chart-in-rps").getByRole("img")).toHaveAttribute("aria-label", /Requests, now: v2 [\d.]+ req\/s/, { timeout: 30_000 });
  await expect(page.getByTestId("pods").locator("tbody tr")).toHaveCount(1);
  await expect(page.getByTestId("pods")).toContainText("proxyless gRPC: SYNCED", { timeout: 20_000 });
  await expect(page.getByRole("link", { name: "reviews", exact: true })).toBeVisible();
});
