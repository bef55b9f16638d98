import { type Page, expect, test } from "@playwright/test";

/** The canary flow on the demo's reviews service (v1, v2, v3), in Chromium. */
const exact = (page: Page, subset: string) => page.getByLabel(`${subset} weight, exact`);
const weights = async (page: Page) => Promise.all(["v1", "v2", "v3"].map(async (s) => Number(await exact(page, s).inputValue())));

test("drag the reviews sliders to 20/30/50, preview, apply, see history, roll back", async ({ page }) => {
  await page.goto("/services");
  await page.getByRole("link", { name: "reviews", exact: true }).click();
  await expect(page).toHaveURL(/\/services\/default\/reviews$/);
  await expect(page.getByRole("heading", { name: "Traffic shifting" })).toBeVisible();
  expect(await weights(page)).toEqual([34, 33, 33]);

  // Drag v1's slider towards 20%: the others follow and the total stays 100.
  const slider = page.getByLabel("Weight of v1");
  const box = (await slider.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.34, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  const dragged = await weights(page);
  expect(dragged[0]).toBeLessThan(30);
  expect(dragged.reduce((a, b) => a + b, 0)).toBe(100);

  // Exact values, a lock, and the keyboard.
  await exact(page, "v1").fill("20");
  expect(await weights(page)).toEqual([20, 40, 40]);
  await page.getByLabel("Lock v1").check();
  await exact(page, "v2").fill("31");
  expect(await weights(page)).toEqual([20, 31, 49]);
  await page.getByLabel("Weight of v2").focus();
  await page.keyboard.press("ArrowLeft");
  expect(await weights(page)).toEqual([20, 30, 50]);
  await expect(page.getByTestId("weight-total")).toHaveText("Total 100%");

  const yaml = page.getByTestId("preview-yaml").first();
  await expect(yaml).toContainText("weight: 20");
  await expect(yaml).toContainText("weight: 30");
  await expect(yaml).toContainText("weight: 50");
  await expect(page.getByTestId("diff").first()).toContainText("+kind: VirtualService");

  await page.getByLabel("Change message").first().fill("canary 20/30/50");
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page.getByText("Applied revision 1.")).toBeVisible();
  await expect(page.getByTestId("revision-1")).toContainText("v1 20 / v2 30 / v3 50");
  await expect(page.getByTestId("revision-1")).toContainText("canary 20/30/50");

  // A second change, then roll back to the first.
  await page.getByRole("button", { name: "Promote v3" }).click();
  expect(await weights(page)).toEqual([0, 0, 100]);
  await expect(page.getByTestId("preview-yaml").first()).not.toContainText("weight:");
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page.getByTestId("revision-2")).toContainText("(in force)");
  await page.getByRole("button", { name: "Diff" }).first().click();
  await expect(page.getByTestId("history-diff")).toContainText("-          weight: 20");
  await page.getByRole("button", { name: "Roll back to 1" }).click();
  await expect(page.getByTestId("revision-3")).toContainText("(in force)");
  await expect(page.getByTestId("revision-3")).toContainText("roll back to revision 1");
  await expect.poll(() => weights(page)).toEqual([20, 30, 50]);

  // The intent is listed, valid, and its objects are on the objects page.
  await page.getByRole("link", { name: "Intents", exact: true }).first().click();
  await expect(page.getByTestId("intent-reviews-traffic-shift")).toContainText("valid");
  await page.goto("/objects");
  await expect(page.getByTestId("object-VirtualService-reviews")).toContainText("weight: 50");
  await expect(page.getByTestId("object-DestinationRule-reviews")).toContainText("subsets:");
});

test("a fault-injection form applies, and its YAML view shows the same spec", async ({ page }) => {
  await page.goto("/services/default/ratings");
  await page.getByLabel("Intent", { exact: true }).selectOption("fault-injection");
  await page.getByLabel("Only requests whose header").fill("end-user");
  await page.getByLabel("value", { exact: true }).first().fill("jason");
  await page.getByLabel("Delay by").fill("7s");
  await expect(page.getByTestId("preview-yaml").last()).toContainText("fixedDelay: 7s");
  await expect(page.getByTestId("preview-yaml").last()).toContainText("exact: jason");
  await page.getByRole("tab", { name: "YAML" }).click();
  await expect(page.getByLabel("Spec (YAML)")).toHaveValue(/fixedDelay: 7s/);
  await page.getByRole("tab", { name: "Form" }).click();
  await page.getByRole("button", { name: "Apply fault injection" }).click();
  await expect(page.getByText("Applied fault injection revision 1.")).toBeVisible();
});

test("an invalid spec for another intent kind is explained and cannot be applied", async ({ page }) => {
  await page.goto("/services/default/ratings");
  await page.getByLabel("Intent", { exact: true }).selectOption("mirroring");
  await page.getByRole("tab", { name: "YAML" }).click();
  await page.getByLabel(/Spec \(YAML\)/).fill("subset: v7\npercentage: 10\n");
  await expect(page.getByTestId("findings").last()).toContainText("SX102");
  await expect(page.getByRole("button", { name: "Apply mirroring" })).toBeDisabled();
  await page.getByLabel(/Spec \(YAML\)/).fill("subset: v1\npercentage: 200\n");
  await expect(page.getByTestId("preview-error")).toContainText("body.intent.spec.percentage");
});
