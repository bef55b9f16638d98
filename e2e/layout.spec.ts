import { type Page, expect, test } from "@playwright/test";

/** Every page usable from 900 px wide (issue 12, point 12). */
test.use({ viewport: { width: 900, height: 800 } });

const PAGES = ["/", "/graph", "/services", "/services/default/reviews", "/workloads/default/reviews-v2", "/intents", "/limiters", "/objects", "/proxies", "/gitops", "/cluster"];

/** Nothing on the page is wider than the window (no sideways scrolling, no cut-off columns). */
async function overflow(page: Page): Promise<{ page: number; widest: string }> {
  return page.evaluate(() => {
    const doc = document.documentElement;
    let widest = "";
    for (const el of Array.from(document.querySelectorAll("main *"))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > doc.clientWidth + 1 && getComputedStyle(el).position !== "fixed") {
        widest = `${el.tagName.toLowerCase()}.${(el as HTMLElement).className} right=${Math.round(r.right)}`;
        break;
      }
    }
    return { page: doc.scrollWidth - doc.clientWidth, widest };
  });
}

test("at 900 px the navigation starts folded, unfolds on request, and no page scrolls sideways", async ({ page }) => {
  await page.goto("/services");
  const toggle = page.getByRole("button", { name: "Expand navigation" });
  await expect(toggle).toBeVisible();
  const rail = (await page.locator(".sidebar").boundingBox())!.width;
  expect(rail).toBeLessThan(70);
  // Folded, each page is still one click away, by its accessible name.
  await expect(page.getByRole("link", { name: "Rate limits" })).toBeVisible();
  for (const path of PAGES) {
    await page.goto(path);
    await expect(page.locator("main h1").first()).toBeVisible();
    await page.waitForLoadState("networkidle");
    expect(await overflow(page), path).toEqual({ page: 0, widest: "" });
  }
  await page.getByRole("button", { name: "Expand navigation" }).click();
  expect((await page.locator(".sidebar").boundingBox())!.width).toBeGreaterThan(150);
  await page.reload();
  await expect(page.getByRole("button", { name: "Collapse navigation" })).toBeVisible(); // the choice is kept
  await page.getByRole("button", { name: "Collapse navigation" }).click();
});

test("at 900 px the graph keeps a usable canvas with the side panel open", async ({ page }) => {
  await page.goto("/graph?graphType=workload");
  await expect.poll(async () => page.evaluate(() => window.sextantGraph?.edgeIds().length ?? 0), { timeout: 40_000 }).toBeGreaterThanOrEqual(7);
  const p = await page.evaluate(() => window.sextantGraph!.clientPoint("wl:default:reviews-v2"));
  await page.mouse.click(p!.x, p!.y);
  await expect(page.getByTestId("side-panel")).toBeVisible();
  expect((await page.getByTestId("graph-canvas").boundingBox())!.width).toBeGreaterThan(450);
  expect(await overflow(page)).toEqual({ page: 0, widest: "" });
});
