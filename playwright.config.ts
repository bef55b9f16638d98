import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests in a real Chromium (Debian's, installed by scripts/test.sh:
 * Playwright's own browser download cannot work on machines without general
 * internet access). The console under test is the production build, started
 * with its embedded defaults in a fresh data directory.
 */
const port = Number(process.env.E2E_PORT ?? 3100);
const authPort = port + 1;
// The signed-in console's first admin (e2e/signin.spec.ts reads it; workers inherit the environment).
process.env.SEXTANT_E2E_ADMIN_PASSWORD ??= "e2e admin password 1";
// Set once in the main process; workers inherit it.
process.env.SEXTANT_E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "sextant-e2e-"));

export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: [
    {
      command: `node node_modules/next/dist/bin/next start -p ${port} -H 127.0.0.1`,
      url: `http://127.0.0.1:${port}/api/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        SEXTANT_DATA_DIR: process.env.SEXTANT_E2E_DATA_DIR,
        SEXTANT_DEMO_METRICS_PORT: "0",
        SEXTANT_XDS_PORT: process.env.E2E_XDS_PORT ?? "15110",
        SEXTANT_LOG_LEVEL: "warn",
        SEXTANT_KUBE: "off",
      },
    },
    {
      // A second console with sign-in (local users; the first admin from the password) for e2e/signin.spec.ts.
      command: `node node_modules/next/dist/bin/next start -p ${authPort} -H 127.0.0.1`,
      url: `http://127.0.0.1:${authPort}/api/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        SEXTANT_DATA_DIR: path.join(process.env.SEXTANT_E2E_DATA_DIR!, "signin"),
        SEXTANT_DEMO_METRICS_PORT: "0",
        SEXTANT_DEMO_RPS: "2",
        SEXTANT_XDS_PORT: "0",
        SEXTANT_LOG_LEVEL: "warn",
        SEXTANT_KUBE: "off",
        SEXTANT_AUTH: "local",
        SEXTANT_ADMIN_PASSWORD: process.env.SEXTANT_E2E_ADMIN_PASSWORD,
      },
    },
  ],
});
