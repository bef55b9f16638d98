import { type Page, expect, test } from "@playwright/test";
import { applyTrafficChange } from "./traffic-helpers";

/**
 * A console with sign-in (the second web server in playwright.config.ts: local users, the first
 * admin from SEXTANT_ADMIN_PASSWORD). An admin adds a viewer and an operator and manages a token;
 * the viewer sees the sliders disabled and a forced API call refused; the operator applies a
 * change and finds it on the Audit page with its diff.
 */
const base = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 1}`;
const ADMIN_PASSWORD = process.env.SEXTANT_E2E_ADMIN_PASSWORD!;
const PASSWORD = "a long password 42";

test.use({ baseURL: base });
test.describe.configure({ mode: "serial" });

async function signIn(page: Page, name: string, password: string) {
  await page.goto("/services");
  const form = page.getByRole("form", { name: "Sign in to Sextant" });
  await expect(form).toBeVisible();
  await form.getByLabel("User name").click();
  await page.keyboard.type(name);
  await form.getByLabel("Password").click();
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("user-menu")).toContainText(name);
}

async function signOut(page: Page) {
  await page.getByTestId("user-menu").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("form", { name: "Sign in to Sextant" })).toBeVisible();
}

test("a wrong password is refused; the security headers are on every page", async ({ page, request }) => {
  const nonces = new Set<string>();
  for (const path of ["/", "/graph", "/services", "/services/default/reviews", "/intents", "/limiters", "/objects", "/cluster", "/proxies", "/gitops", "/audit", "/admin", "/setup", "/api/health"]) {
    const res = await request.get(path);
    const csp = res.headers()["content-security-policy"] ?? "";
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp, path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    nonces.add(/'nonce-([^']+)'/.exec(csp)![1]!);
    expect(res.headers()["x-content-type-options"], path).toBe("nosniff");
    expect(res.headers()["x-frame-options"], path).toBe("DENY");
    expect(res.headers()["referrer-policy"], path).toBe("same-origin");
  }
  // A fresh nonce per answer.
  expect(nonces.size).toBe(14);
  // Without a session the API says who to be, and the page asks to sign in.
  expect((await request.get("/api/intents")).status()).toBe(401);
  await page.goto("/services");
  const form = page.getByRole("form", { name: "Sign in to Sextant" });
  await form.getByLabel("User name").fill("admin");
  await form.getByLabel("Password").fill("not the password");
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(form.getByRole("alert")).toContainText("wrong user name or password");
});

test("an admin adds a viewer and an operator, creates a token, revokes it, and the token stops working", async ({ page, request }) => {
  await signIn(page, "admin", ADMIN_PASSWORD);
  await page.getByTestId("user-menu").getByRole("link", { name: "Users and tokens" }).click();
  const add = page.getByRole("form", { name: "Add a user" });
  for (const [name, role] of [["vera", "viewer"], ["oscar", "operator"]] as const) {
    await add.getByLabel("Name", { exact: true }).fill(name);
    await add.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await add.getByRole("combobox", { name: /^Role/ }).selectOption(role);
    await add.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByTestId(`user-${name}`)).toContainText(role);
  }
  const create = page.getByRole("form", { name: "Create an API token" });
  await create.getByLabel("Token name", { exact: true }).fill("ci");
  await create.getByRole("combobox", { name: /^Token role/ }).selectOption("viewer");
  await create.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-token").locator("code.secret").innerText()).trim();
  expect(secret).toMatch(/^sxt_/);
  const withToken = { headers: { authorization: `Bearer ${secret}` } };
  expect((await request.get("/api/intents", withToken)).status()).toBe(200);
  await page.getByTestId("token-ci").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("token-ci")).toContainText("revoked");
  const refused = await request.get("/api/intents", withToken);
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.message).toContain("revoked");
  await signOut(page);
});

test("a viewer sees the sliders disabled, and a forced API call is refused", async ({ page }) => {
  await signIn(page, "vera", PASSWORD);
  await page.goto("/services/default/reviews");
  await expect(page.getByTestId("read-only")).toBeVisible();
  await expect(page.getByLabel("Weight of v1")).toBeDisabled();
  await expect(page.getByRole("button", { name: "Apply", exact: true })).toBeDisabled();
  // The same change sent by hand, with the session and its CSRF token: the server refuses it.
  const status = await page.evaluate(async () => {
    const csrf = /sextant_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? "";
    const body = { intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 100 }] } }, expectedRevision: 0 };
    const res = await fetch("/api/intents", { method: "PUT", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) });
    return res.status;
  });
  expect(status).toBe(403);
  await signOut(page);
});

test("an operator applies a change and the Audit page shows it with its diff", async ({ page }) => {
  await signIn(page, "oscar", PASSWORD);
  await page.goto("/services/default/reviews");
  await expect(page.getByRole("heading", { name: "Traffic shifting" })).toBeVisible();
  await expect(page.getByTestId("read-only")).toHaveCount(0);
  const box = page.getByLabel("v1 weight, exact");
  await box.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Backspace");
  await page.keyboard.type("20");
  await page.keyboard.press("Enter");
  await page.getByLabel("Change message").first().fill("canary by oscar");
  // (A move of more traffic than the threshold is confirmed first.)
  await applyTrafficChange(page);

  await page.getByRole("link", { name: "Audit", exact: true }).first().click();
  const entries = page.getByTestId("audit-entries");
  const mine = entries.locator("li", { hasText: "traffic-shift default/reviews r1" });
  await expect(mine).toContainText("oscar");
  await expect(mine).toContainText("canary by oscar");
  await mine.getByText("Diff").click();
  await expect(mine.locator("pre.diff")).toContainText("+    weight: 20");
  await page.getByRole("button", { name: "Verify the chain" }).click();
  await expect(page.getByTestId("audit-verify")).toContainText("The chain holds");
});

test("a viewer reads the history: another intent and a revision's diff open, rolling back stays disabled", async ({ page }) => {
  // A second revision by the operator (the page's own call, with the session's CSRF token).
  await signIn(page, "oscar", PASSWORD);
  await page.goto("/services/default/reviews");
  const second = await page.evaluate(async () => {
    const csrf = /sextant_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? "";
    const body = { intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 30 }, { subset: "v2", weight: 70 }] } }, expectedRevision: 1 };
    return (await fetch("/api/intents", { method: "PUT", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) })).status;
  });
  expect(second).toBe(200);
  await signOut(page);

  await signIn(page, "vera", PASSWORD);
  await page.goto("/services/default/reviews");
  const card = page.getByTestId("shift-card");
  const first = card.getByTestId("revision-1");
  await expect(first.getByRole("button", { name: "Roll back to 1" })).toBeDisabled();
  await first.getByRole("button", { name: "Diff" }).click();
  await expect(card.getByTestId("history-diff")).toContainText("weight: 30");
  // The other intents can be looked at, not changed.
  await page.getByLabel("Intent", { exact: true }).selectOption("fault-injection");
  await expect(page.getByRole("button", { name: /^Apply fault injection/ })).toBeDisabled();
  await signOut(page);
});

test("the Audit page shows the newest 100 entries and pages back through older ones", async ({ page }) => {
  await signIn(page, "oscar", PASSWORD);
  await page.goto("/audit");
  // More than a page of changes: 100 revisions of one intent, through the API as the page calls it.
  const made = await page.evaluate(async () => {
    const csrf = /sextant_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? "";
    let revision = 0;
    for (let i = 0; i < 100; i++) {
      const body = { intent: { kind: "timeouts-retries", namespace: "default", target: "details", spec: { timeout: `${i + 1}s` } }, expectedRevision: revision };
      const res = await fetch("/api/intents", { method: "PUT", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) });
      if (!res.ok) return `${res.status} ${await res.text()}`;
      revision = ((await res.json()) as { intent: { revision: number } }).intent.revision;
    }
    return revision;
  });
  expect(made).toBe(100);
  await page.reload();
  const items = page.getByTestId("audit-entries").locator("li");
  await expect(items).toHaveCount(100);
  await expect(items.first()).toContainText("timeouts-retries default/details r100");
  await page.getByRole("button", { name: "Older entries" }).click();
  await expect.poll(() => items.count()).toBeGreaterThan(100);
  // The oldest entries are there now: the first revision and the users the admin created.
  await expect(items.filter({ hasText: /timeouts-retries default\/details r1(?!\d)/ })).toHaveCount(1);
  await expect(page.getByText("No older entries.")).toBeVisible();
  await signOut(page);
});
