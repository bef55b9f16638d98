import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Locator, type Page, expect, test } from "@playwright/test";
import { applyTrafficChange } from "./traffic-helpers";

/**
 * A traffic change made with the mouse ends up as one commit in a real Git repository (a local
 * bare one). Named to run after traffic.spec.ts (which starts from the demo's even split of
 * reviews) and before xds-proxies.spec.ts (which promotes v2 from whatever is in force).
 */
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

/** Drags reviews' v1 slider to about `to` of its track and applies (confirming a large move); the weight applied. */
async function dragV1AndApply(page: Page, to: number): Promise<number> {
  await page.goto("/services/default/reviews");
  await expect(page.getByRole("heading", { name: "Traffic shifting" })).toBeVisible();
  const exact = page.getByLabel("v1 weight, exact");
  const before = Number(await exact.inputValue());
  const slider = page.getByLabel("Weight of v1");
  await slider.scrollIntoViewIfNeeded();
  const box = (await slider.boundingBox())!;
  // Press on the thumb (kept off the track's very ends, which are outside the input's box).
  await page.mouse.move(box.x + box.width * Math.min(0.98, Math.max(0.02, before / 100)), box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  const after = Number(await exact.inputValue());
  expect(after).toBeLessThan(before);
  // (A move of more traffic than the threshold is confirmed first.)
  await applyTrafficChange(page);
  return after;
}

async function commit(page: Page, card: Locator, button: string | RegExp, target: string) {
  await card.getByRole("button", { name: button }).click();
  await page.getByRole("dialog", { name: `Commit to ${target}?` }).getByRole("button", { name: "Commit and push" }).click();
  await expect(card.getByTestId("commit-result")).toContainText("Committed");
}

test("GitOps: add a local repository as a target, drag a slider and apply, review the pending diff, commit, see it in the history", async ({ page }) => {
  const bare = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sextant-e2e-git-")), "mesh.git");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);

  await page.goto("/gitops");
  const form = page.getByRole("form", { name: "Add a Git target" });
  const name = `e2e-${Date.now()}`;
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Repository").fill(bare);
  await form.getByLabel("Directory").fill("mesh");
  await form.getByRole("button", { name: "Add target" }).click();
  const card = page.getByTestId(`target-${name}`);
  await expect(card).toBeVisible();
  // A first change, committed with whatever else is in force.
  const first = await dragV1AndApply(page, 0.12);
  await page.goto("/gitops");
  await card.getByRole("button", { name: "Preview export" }).click();
  await expect(card.getByTestId("pending-changes")).toContainText("default/virtualservice-reviews.yaml");
  await commit(page, card, /^Commit \d+ files?$/, name);
  const base = git(bare, "rev-parse", "main");

  // A second drag: the GitOps page shows exactly that one file pending, then commits it.
  const second = await dragV1AndApply(page, 0.04);
  expect(second).toBeLessThan(first);
  await page.goto("/gitops");
  await card.getByRole("button", { name: "Preview export" }).click();
  const pending = card.getByTestId("pending-changes");
  await expect(pending).toContainText("default/virtualservice-reviews.yaml");
  await expect(pending).not.toContainText("destinationrule-reviews.yaml");
  await commit(page, card, "Commit 1 file", name);

  // One commit on top of the first, touching one file, its message naming the weight change.
  const head = git(bare, "rev-parse", "main");
  expect(git(bare, "rev-parse", "main~1")).toBe(base);
  expect(git(bare, "diff", "--name-only", base, head)).toBe("mesh/default/virtualservice-reviews.yaml");
  expect(git(bare, "log", "-1", "--format=%B", "main")).toContain(`reviews: weights v1 ${first} -> ${second}`);
  expect(git(bare, "show", "main:mesh/default/virtualservice-reviews.yaml")).toContain(`weight: ${second}`);
  await card.getByText("Export history").click();
  await expect(card.getByTestId("export-history")).toContainText(head.slice(0, 12));
});
