import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { GET as me } from "./auth/me/route";
import { POST as setup } from "./auth/setup/route";
import { POST as login } from "./auth/login/route";

/**
 * The first admin from the one-time setup link, as an operator does it: sign-in on, no admin
 * password, no user; the link is read from the log; it creates the admin and signs them in; then
 * it works no more (nor does a wrong one before it).
 */
const post = (url: string, body: unknown) => new Request(`http://sextant.test${url}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", origin: "http://sextant.test" } });

describe("first admin from the setup link", () => {
  let dir: string;
  let token = "";
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-setup-"));
    // The link is in the log (warn, on stderr), where an operator reads it.
    const spy = vi.spyOn(process.stderr, "write");
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "warn", SEXTANT_AUTH: "local" });
    const lines = spy.mock.calls.map((c) => String(c[0]));
    spy.mockRestore();
    token = /\/setup\?token=([\w-]+)/.exec(lines.find((l) => l.includes("/setup?token=")) ?? "")?.[1] ?? "";
  }, 60_000);
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates the admin once, signs them in, and refuses the link afterwards", async () => {
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect((await setup(post("/api/auth/setup", { token: token.replace(/.$/, (c) => (c === "A" ? "B" : "A")), name: "root", password: "a long first password" }))).status).toBe(403);
    const res = await setup(post("/api/auth/setup", { token, name: "root", password: "a long first password" }));
    expect(res.status).toBe(201);
    expect((await res.json()).user).toMatchObject({ name: "root", role: "admin" });
    const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    expect((await (await me(new Request("http://sextant.test/api/auth/me", { headers: { cookie } }))).json()).user).toMatchObject({ name: "root", role: "admin" });
    // Once only: the same link, or another name, is refused; the admin signs in with the password chosen.
    const again = await setup(post("/api/auth/setup", { token, name: "mallory", password: "another long password" }));
    expect(again.status).toBe(403);
    expect((await again.json()).error.message).toContain("works once");
    expect((await login(post("/api/auth/login", { name: "mallory", password: "another long password" }))).status).toBe(401);
    expect((await login(post("/api/auth/login", { name: "root", password: "a long first password" }))).status).toBe(200);
  });
});
