import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

/** SmartLimiters in Chromium: import Slime YAML with live validation, status, form edit, diff, export, delete. */
const example = fs.readFileSync(path.join(process.cwd(), "server/limiter/testdata/01-single-inbound.yaml"), "utf8");

test("import a SmartLimiter, see its status and EnvoyFilter, switch it off in the form, export it, delete it", async ({ page }) => {
  await page.goto("/limiters");
  await expect(page.getByRole("heading", { name: "No SmartLimiters yet" })).toBeVisible();

  // Import: a bad strategy is named with its field while typing; fixing it shows the EnvoyFilter to be.
  await page.getByRole("button", { name: "Import YAML" }).click();
  const yaml = page.getByTestId("limiter-yaml");
  await yaml.fill(example.replace("'single'", "'burst'"));
  await expect(page.getByTestId("limiter-problems")).toContainText("spec.sets._base.descriptor[0].action.strategy");
  await expect(page.getByTestId("limiter-save")).toBeDisabled();
  await yaml.fill(example);
  await expect(page.getByTestId("preview-envoyfilter")).toContainText("name: reviews.default.ratelimit");
  await expect(page.getByTestId("limiter-editor").getByTestId("diff")).toContainText("+kind: EnvoyFilter");
  await page.getByLabel("Change message").fill("limit reviews");
  await page.getByTestId("limiter-save").click();

  // Status: condition, quota, metric values, the EnvoyFilter.
  const row = page.getByTestId("limiter-default-reviews");
  await expect(row.getByTestId("condition")).toContainText("_base[0] true");
  await expect(row.getByTestId("quota")).toContainText("100 per pod");
  await expect(row).toContainText("_base.pod = 3");
  await expect(row.getByTestId("envoyfilters")).toHaveText("reviews.default.ratelimit");
  await row.getByRole("button", { name: "Show default/reviews" }).click();
  await expect(page.getByTestId("envoyfilter-yaml")).toContainText("envoy.filters.http.local_ratelimit");
  await expect(page.getByTestId("envoyfilter-yaml")).toContainText("max_tokens: 100");

  // The Objects page lists the generated EnvoyFilter with the Istio objects.
  const objects = await page.request.get("/api/objects");
  expect((await objects.json()).objects.map((o: { name: string }) => o.name)).toContain("reviews.default.ratelimit");

  // Edit in the form: the condition is checked as it is typed; false removes the EnvoyFilter.
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const condition = page.getByTestId("condition-0");
  await condition.fill("{{._base.pod}} >");
  await expect(page.getByTestId("limiter-editor")).toContainText("position 17: expected a number");
  await condition.fill("{{._base.pod}} > 5");
  await expect(page.getByTestId("limiter-editor").getByTestId("diff")).toContainText("-kind: EnvoyFilter");
  await page.getByTestId("limiter-save").click();
  await expect(row.getByTestId("envoyfilters")).toHaveText("none");
  await expect(row.getByTestId("condition")).toContainText("_base[0] false");
  await expect(page.getByTestId("limiter-details").getByTestId("diff")).toContainText("-kind: EnvoyFilter");
  await expect(row).toContainText("2");

  // History and export.
  await page.getByRole("button", { name: "History" }).click();
  await expect(page.getByTestId("limiter-details")).toContainText("Revision 1 by anonymous");
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export YAML" }).click()]);
  const exported = fs.readFileSync((await file.path())!, "utf8");
  expect(exported).toContain("kind: SmartLimiter");
  expect(exported).toContain('condition: "{{._base.pod}} > 5"');

  // Delete (confirmed).
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("heading", { name: "No SmartLimiters yet" })).toBeVisible();
});

test("a limit of 60 a minute on reviews bites on the demo: the page shows who enforces it and the refused calls, the graph the 429s", async ({ page }) => {
  const limiter = example.replace("quota: '100'", "quota: '60'");
  const put = await page.request.put("/api/limiters", { data: { yaml: limiter, expectedRevision: 0 } });
  expect(put.status()).toBe(200);
  try {
    await page.goto("/limiters");
    const row = page.getByTestId("limiter-default-reviews");
    await expect(row.getByTestId("enforced")).toContainText("by 3 connected sidecars", { timeout: 30_000 });
    // Each reviews pod gets more than a call a second from the demo's load: past 60 tokens, calls are refused.
    await expect(row.getByTestId("refused")).toHaveText(/^[1-9]\d* refused \/ min$/, { timeout: 90_000 });
    // The graph shows them: 429 among the response codes of productpage -> reviews.
    await page.goto("/graph?graphType=app");
    await expect.poll(async () => page.evaluate(() => window.sextantGraph?.edgeIds().length ?? 0), { timeout: 40_000 }).toBeGreaterThan(2);
    const edge = (await page.evaluate(() => window.sextantGraph!.edgeIds())).find((e) => e.startsWith("app:default:productpage>app:default:reviews"))!;
    const p = await page.evaluate((e) => window.sextantGraph!.clientPoint(e), edge);
    await page.mouse.click(p!.x, p!.y);
    await expect(page.getByTestId("side-panel").getByRole("table", { name: "Response codes" })).toContainText("429", { timeout: 20_000 });
  } finally {
    const current = (await (await page.request.get("/api/limiters")).json()).limiters.find((l: { name: string }) => l.name === "reviews");
    if (current) await page.request.delete(`/api/limiters/${current.id}?expectedRevision=${current.revision}`);
  }
});
