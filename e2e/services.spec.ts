import { expect, test } from "@playwright/test";

const DEMO_WORKLOADS = ["productpage-v1", "details-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1"];

test("the Services page shows the demo mesh's six workloads", async ({ page }) => {
  await page.goto("/services");
  await expect(page.getByRole("heading", { name: "Services", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Services" })).toHaveAttribute("aria-current", "page");

  const table = page.getByRole("table", { name: "Services" });
  await expect(table).toBeVisible();
  for (const name of ["productpage", "details", "reviews", "ratings"]) {
    await expect(page.getByTestId(`service-${name}`)).toBeVisible();
  }
  const workloads = page.getByTestId("workload");
  await expect(workloads).toHaveCount(6);
  expect((await workloads.allInnerTexts()).sort()).toEqual([...DEMO_WORKLOADS].sort());

  // reviews has three subsets, one per version label.
  const reviews = page.getByTestId("service-reviews");
  for (const v of ["v1", "v2", "v3"]) await expect(reviews.locator(".chip-subset", { hasText: v })).toBeVisible();
  await expect(reviews).toContainText("3/3 ready");

  await expect(page.getByRole("status").filter({ hasText: "healthy" })).toBeVisible();
});

test("an operator can expand a service's endpoints and filter, by keyboard", async ({ page }) => {
  await page.goto("/services");
  const expand = page.getByRole("button", { name: "Show endpoints of reviews" });
  await expect(expand).toBeVisible();
  await expand.focus();
  await page.keyboard.press("Enter");
  const endpoints = page.getByRole("table", { name: "Endpoints of reviews" });
  await expect(endpoints).toBeVisible();
  await expect(endpoints.locator("tbody tr")).toHaveCount(3);
  await expect(endpoints).toContainText(/reviews-v2-[a-z]+-[a-z]+/);
  await expect(endpoints).toContainText(/127\.0\.0\.1:\d+/);
  await expect(page.getByRole("button", { name: "Hide endpoints of reviews" })).toHaveAttribute("aria-expanded", "true");

  await page.locator("body").click();
  await page.keyboard.press("/");
  const filter = page.getByRole("searchbox", { name: "Filter services" });
  await expect(filter).toBeFocused();
  await page.keyboard.type("ratings");
  await expect(page.getByTestId("service-count")).toHaveText("1 of 4 services");
  await expect(page.getByTestId("service-ratings")).toBeVisible();
  await expect(page.getByTestId("service-reviews")).toHaveCount(0);

  await filter.fill("nothing-matches");
  await expect(page.getByText("No service matches")).toBeVisible();
  await page.getByRole("button", { name: "Clear filter" }).click();
  await expect(page.getByTestId("service-count")).toHaveText("4 of 4 services");
});

test("the GitOps page shows the export and downloads it as the same bytes the API gives", async ({ page, request }) => {
  await page.goto("/services");
  await page.getByRole("link", { name: "GitOps", exact: true }).click();
  await expect(page.getByRole("heading", { name: "GitOps", level: 1 })).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download .tar.gz" }).click()]);
  expect(download.suggestedFilename()).toBe("sextant-export.tar.gz");
  const fs = await import("node:fs");
  const got = fs.readFileSync((await download.path())!);
  const api = Buffer.from(await (await request.get("/api/gitops/export?format=tar.gz")).body());
  expect(got.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  expect(got.equals(api)).toBe(true);
});

test("a link with ?namespace=&q= opens the Services page filtered", async ({ page }) => {
  await page.goto("/services?namespace=default&q=ratings");
  await expect(page.getByTestId("service-count")).toHaveText("1 of 4 services");
  await expect(page.getByRole("searchbox", { name: "Filter services" })).toHaveValue("ratings");
});
