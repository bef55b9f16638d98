import { type Page, expect } from "@playwright/test";

/**
 * Presses the traffic card's Apply and confirms when the page asks (a move of more traffic than
 * the confirmation threshold), then waits for "Applied revision N.".
 */
export async function applyTrafficChange(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const confirm = page.getByRole("dialog");
  const applied = page.getByText(/Applied revision \d+\./);
  await expect(confirm.or(applied)).toBeVisible();
  if (await confirm.isVisible()) await confirm.getByRole("button", { name: "Apply" }).click();
  await expect(applied).toBeVisible();
}
