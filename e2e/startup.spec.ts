import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

/**
 * Start-up as an operator meets it: the built console started as a process,
 * with configuration that is wrong or a database that is down.
 */
const NEXT = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function start(port: number, env: Record<string, string>, host = "127.0.0.1"): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-startup-"));
  let out = "";
  const proc = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", host], {
    env: { ...process.env, SEXTANT_DATA_DIR: dataDir, SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_XDS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  void exited.then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { proc, output: () => out, exited };
}

test("bad configuration stops start-up with a message naming the variable and what is allowed", async () => {
  const s = start(await freePort(), { SEXTANT_DEMO: "maybe", SEXTANT_DEMO_RPS: "-3" });
  const code = await Promise.race([s.exited, new Promise((r) => setTimeout(() => r("timeout"), 45_000))]);
  expect(code).toBe(1);
  expect(s.output()).toContain("Sextant cannot start: invalid configuration");
  expect(s.output()).toContain('SEXTANT_DEMO="maybe": must be one of true, false, 1, 0, yes, no, on, off');
  expect(s.output()).toContain('SEXTANT_DEMO_RPS="-3": must be between 0 and 1000 requests per second');
  expect(s.output()).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
});

test("a database that is down: the console still serves and says the database is the problem", async ({ page }) => {
  const port = await freePort();
  const s = start(port, { DATABASE_URL: "postgresql://sextant:secret@127.0.0.1:1/sextant" });
  try {
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/api/ready`).catch(() => undefined))?.status, { timeout: 45_000 })
      .toBe(503);
    // Not ready (a load balancer sends traffic elsewhere), but alive (nothing restarts it).
    const live = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(live.status).toBe(200);
    const health = await live.json();
    expect(health.checks.database.status).toBe("down");
    expect(health.checks.database.error).toContain("cannot connect to PostgreSQL at postgresql://sextant@127.0.0.1:1/sextant");
    expect(JSON.stringify(health)).not.toContain("secret");
    expect(health.checks.registry.status).toBe("ok");

    await page.goto(`http://127.0.0.1:${port}/services`);
    await expect(page.getByTestId("workload")).toHaveCount(6);
    await expect(page.getByRole("status").filter({ hasText: "database: cannot connect to PostgreSQL" })).toBeVisible();
  } finally {
    s.proc.kill("SIGTERM");
    await s.exited;
  }
});

test("listening beyond loopback without sign-in refuses to start and says how to configure it; with an admin password it serves, signed in only", async () => {
  const open = start(await freePort(), {}, "0.0.0.0");
  const code = await Promise.race([open.exited, new Promise((r) => setTimeout(() => r("timeout"), 45_000))]);
  expect(code).toBe(1);
  expect(open.output()).toContain("listens on 0.0.0.0");
  expect(open.output()).toContain("SEXTANT_ADMIN_PASSWORD");
  expect(open.output()).toContain("SEXTANT_AUTH=anonymous");

  const port = await freePort();
  const signed = start(port, { SEXTANT_ADMIN_PASSWORD: "startup test password" }, "0.0.0.0");
  try {
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined))?.status ?? 0, { timeout: 45_000 }).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${port}/api/intents`)).status).toBe(401);
    expect((await (await fetch(`http://127.0.0.1:${port}/api/auth/me`)).json()).mode).toBe("local");
  } finally {
    signed.proc.kill("SIGTERM");
    await signed.exited;
  }
});
