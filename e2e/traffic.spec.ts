import { type Page, expect, test } from "@playwright/test";

/** The canary flow on the demo's reviews service (v1, v2, v3), in Chromium. */
const exact = (page: Page, subset: string) => page.getByLabel(`${subset} weight, exact`);
const weights = async (page: Page) => Promise.all(["v1", "v2", "v3"].map(async (s) => Number(await exact(page, s).inputValue())));
/** Types a weight as a person does: select the box's text, backspace, type, Enter. */
async function typeWeight(page: Page, subset: string, value: string) {
  const box = exact(page, subset);
  await box.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Backspace");
  await page.keyboard.type(value);
  await page.keyboard.press("Enter");
}

test("drag the reviews sliders to 20/30/50, preview, apply, see history, roll back", async ({ page }) => {
  await page.goto("/services");
  await page.getByRole("link", { name: "reviews", exact: true }).click();
  await expect(page).toHaveURL(/\/services\/default\/reviews$/);
  await expect(page.getByRole("heading", { name: "Traffic shifting" })).toBeVisible();
  expect(await weights(page)).toEqual([34, 33, 33]);

  // Drag v1's slider towards 20%: the others follow and the total stays 100.
  const slider = page.getByLabel("Weight of v1");
  await slider.scrollIntoViewIfNeeded(); // below the service's overview
  const box = (await slider.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.34, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  const dragged = await weights(page);
  expect(dragged[0]).toBeLessThan(30);
  expect(dragged.reduce((a, b) => a + b, 0)).toBe(100);

  // Exact values, a lock, and the keyboard.
  await typeWeight(page, "v1", "20");
  expect(await weights(page)).toEqual([20, 40, 40]);
  await page.getByLabel("Lock v1").check();
  await typeWeight(page, "v2", "31");
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
  // Focus is back on the card, and the message goes as soon as the weights are edited again.
  await expect(page.getByRole("heading", { name: "Traffic shifting" })).toBeFocused();
  await expect(page.getByTestId("revision-1")).toContainText("v1 20 / v2 30 / v3 50");
  await expect(page.getByTestId("revision-1")).toContainText("canary 20/30/50");

  // A second change, then roll back to the first.
  await page.getByRole("button", { name: "Promote v3" }).click();
  await expect(page.getByText("Applied revision 1.")).toHaveCount(0);
  expect(await weights(page)).toEqual([0, 0, 100]);
  await expect(page.getByTestId("preview-yaml").first()).not.toContainText("weight:");
  // 20/30/50 -> 0/0/100 moves 50 % of the traffic: asked first, before -> after per subset.
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: /Move 50% of reviews/ });
  await expect(dialog.getByTestId("weight-change")).toContainText("v3" + "50%" + "100%");
  await dialog.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("revision-2")).toContainText("(in force)");
  await page.getByRole("button", { name: "Diff" }).first().click();
  await expect(page.getByTestId("history-diff")).toContainText("-          weight: 20");
  await page.getByRole("button", { name: "Roll back to 1" }).click();
  const back = page.getByRole("dialog", { name: "Roll back to revision 1?" });
  await expect(back.getByTestId("weight-change")).toContainText("v1" + "0%" + "20%");
  await back.getByRole("button", { name: "Roll back to 1" }).click();
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

test("the exact-weight box is edited freely: emptied, retyped, committed on Enter; not a weight is refused", async ({ page }) => {
  await page.goto("/services/default/reviews");
  await expect(page.getByRole("heading", { name: "Traffic shifting" })).toBeVisible();
  const box = page.getByLabel("v1 weight, exact");
  const before = Number(await box.inputValue());
  // Backspace everything, type 25: the box holds "25" (not appended to the old number) until Enter.
  await box.click();
  await page.keyboard.press("End");
  for (let i = 0; i < 3; i++) await page.keyboard.press("Backspace");
  await expect(box).toHaveValue("");
  await page.keyboard.type("25");
  await expect(box).toHaveValue("25");
  expect(Number(await box.inputValue())).not.toBe(before);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("weight-total")).toContainText("Total 100%");
  // Not a weight: refused with a message, nothing changes.
  await box.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("250");
  await page.keyboard.press("Enter");
  await expect(page.getByText("a whole number from 0 to 100")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(box).toHaveValue("25");
  // The live share shows now and the minute average, labelled.
  await expect(page.getByTestId("live-v1")).toContainText("live now");
  await expect(page.getByTestId("live-v1")).toContainText("1 min");
});

test("a change that moves a lot of traffic is confirmed; a conflict offers to reload and reapply, naming no internal id", async ({ page, request }) => {
  const shift = async () => ((await (await request.get("/api/intents?namespace=default&target=reviews")).json()).intents as { kind: string; revision: number }[]).find((i) => i.kind === "traffic-shift");
  const r = (await shift())?.revision ?? 0;
  await page.goto("/services/default/reviews");
  await expect(page.getByRole("heading", { name: "Traffic shifting" })).toBeVisible();
  await page.getByRole("button", { name: "Promote v1" }).click();
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const dialog = page.getByRole("dialog");
  // Cancel has the focus: Enter on a surprise dialog does not ship the change; Escape cancels.
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  expect((await shift())?.revision ?? 0).toBe(r);

  // Someone else applies first (through the API); this page still shows revision r.
  const other = await request.put("/api/intents", { data: { intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 50 }, { subset: "v2", weight: 50 }, { subset: "v3", weight: 0 }] } }, expectedRevision: r } });
  expect(other.status()).toBe(200);
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Apply" }).click();
  const conflict = page.getByTestId("conflict");
  await expect(conflict).toContainText("Someone changed this since you loaded it.");
  await expect(conflict).toContainText(`revision ${r + 1} is in force now`);
  await expect(conflict).not.toContainText(/[a-z0-9]{20,}/);
  await conflict.getByRole("button", { name: "Reload and reapply my change" }).click();
  // Asked again, against what is in force now (50/50/0 -> 100/0/0).
  const again = page.getByRole("dialog");
  await expect(again.getByTestId("weight-change")).toContainText("v2" + "50%" + "0%");
  await again.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText(`Applied revision ${r + 2}.`)).toBeVisible();
  expect((await shift())?.revision).toBe(r + 2);
});

test("a field's error lands on that field, once", async ({ page }) => {
  await page.goto("/services/default/details");
  await page.getByLabel("Intent", { exact: true }).selectOption("fault-injection");
  const pct = page.getByLabel("Of requests (%)").first();
  await pct.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("150");
  await expect(page.getByTestId("field-error-spec.delay.percentage")).toBeVisible();
  await expect(pct).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("body.intent.spec.delay.percentage")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Apply fault injection" })).toBeDisabled();
});
