/**
 * Refreshes the README's screenshots (docs/screenshots/*.png) from the built
 * console with its embedded defaults and the demo mesh, in Debian's Chromium:
 * a canary and a SmartLimiter are applied first so the pages show something.
 * Run after `npx next build`: npx tsx scripts/screenshots.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { freePort } from "../server/testing/prometheus";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "docs", "screenshots");
const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-shots-"));
const server: ChildProcess = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
  cwd: root,
  env: { ...process.env, SEXTANT_DATA_DIR: dataDir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "warn" },
  stdio: "ignore",
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/api/health`)).ok) break;
  } catch {
    // not up yet
  }
  if (i > 600) throw new Error("console did not start");
  await new Promise((r) => setTimeout(r, 100));
}
const put = (url: string, data: unknown) => fetch(`${base}${url}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(data) });
await put("/api/intents", { intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 10 }, { subset: "v2", weight: 30 }, { subset: "v3", weight: 60 }] } }, expectedRevision: 0, message: "canary v3" });
await put("/api/intents", { intent: { kind: "fault-injection", namespace: "default", target: "details", spec: { match: [{ headers: { "end-user": { exact: "jason" } } }], delay: { fixedDelay: "2s", percentage: 100 } } }, expectedRevision: 0 });
await put("/api/limiters", { yaml: fs.readFileSync(path.join(root, "server/limiter/testdata/01-single-inbound.yaml"), "utf8").replace("quota: '100'", "quota: '300'"), expectedRevision: 0 });
// Enough telemetry for a minute's window and for the limit to bite.
await new Promise((r) => setTimeout(r, 45_000));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const shot = async (name: string, url: string, ready: () => Promise<unknown>) => {
    await page.goto(`${base}${url}`);
    await ready();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`docs/screenshots/${name}.png`);
  };
  await shot("overview", "/", () => page.getByTestId("overview-errors").getByRole("table").waitFor());
  await shot("graph", "/graph?graphType=versionedApp", () => page.waitForSelector("[data-layout-engine]"));
  await shot("service", "/services/default/reviews", () => page.getByTestId("chart-in-rps").locator("svg").waitFor());
  await page.goto(`${base}/services/default/reviews`);
  await page.getByRole("heading", { name: "Traffic shifting" }).scrollIntoViewIfNeeded();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: path.join(out, "traffic.png") });
  await shot("services", "/services", () => page.getByRole("table", { name: "Services" }).waitFor());
  await shot("limiters", "/limiters", () => page.getByTestId("refused").waitFor());
  await page.goto(`${base}/proxies`);
  await page.getByRole("table", { name: "Proxies" }).waitFor();
  await page.getByRole("button", { name: "Config" }).first().click();
  await page.getByTestId("proxy-config-table").waitFor();
  await page.waitForTimeout(1000);
  await page.screenshot({ path: path.join(out, "proxies.png"), fullPage: true });
} finally {
  await browser.close();
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
