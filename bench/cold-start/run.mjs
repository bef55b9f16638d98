#!/usr/bin/env node
// Cold start to a served page: how long from launching the built console
// (`next start`, embedded defaults) until
//   page      GET /services answers 200 (the HTML shell is served),
//   mesh      GET /api/services lists the demo's 6 workloads with ready endpoints,
//   healthy   GET /api/health says ok (database migrated and open, registry synced),
//   rendered  a real Chromium shows the Services page with all 6 workloads.
// Two cases: a fresh data directory (first start: creates and migrates the
// embedded database) and a restart on an existing one.
// Usage: node bench/cold-start/run.mjs [runs=5]   (builds first if there is no build)
// Results are appended to bench/RESULTS.md.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";

const root = path.resolve(import.meta.dirname, "..", "..");
process.chdir(root);
const runs = Number(process.argv[2] ?? 5);
const NEXT = "node_modules/next/dist/bin/next";
const env = { ...process.env, CHECKPOINT_DISABLE: "1", NEXT_TELEMETRY_DISABLED: "1", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_XDS_PORT: "0", SEXTANT_LOG_LEVEL: "warn" };

if (!fs.existsSync(".next/BUILD_ID")) execFileSync(process.execPath, [NEXT, "build"], { stdio: "inherit", env });
// As `npm start` does after a build: the embedded database's template.
execFileSync(process.execPath, ["scripts/pglite-template.mjs", "--if-missing"], { stdio: "inherit", env });

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(fn, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return performance.now();
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error("timed out");
    await sleep(10);
  }
}

async function once(browser, dataDir) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const proc = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", "127.0.0.1"], { env: { ...env, SEXTANT_DATA_DIR: dataDir }, stdio: "ignore" });
  try {
    const page = await until(async () => (await fetch(`${base}/services`)).status === 200);
    const mesh = await until(async () => {
      const body = await (await fetch(`${base}/api/services`)).json();
      const workloads = body.services.flatMap((s) => s.workloads.map((w) => w.name));
      const ready = body.services.flatMap((s) => s.subsets.flatMap((x) => x.endpoints)).filter((e) => e.ready);
      return new Set(workloads).size === 6 && ready.length === 6;
    });
    const healthy = await until(async () => (await (await fetch(`${base}/api/health`)).json()).status === "ok");
    const rendered = await (async () => {
      const tab = await browser.newPage();
      try {
        await tab.goto(`${base}/services`);
        await tab.getByTestId("workload").nth(5).waitFor({ timeout: 60_000 });
        return performance.now();
      } finally {
        await tab.close();
      }
    })();
    return { page: page - t0, mesh: mesh - t0, healthy: healthy - t0, rendered: rendered - t0 };
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
  }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1] };
};
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const results = { fresh: [], restart: [] };
try {
  const warmDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-bench-warm-"));
  await once(browser, warmDir); // creates the database the restart case reopens; also warms the OS file cache
  for (let i = 0; i < runs; i++) {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-bench-"));
    results.fresh.push(await once(browser, fresh));
    fs.rmSync(fresh, { recursive: true, force: true });
    results.restart.push(await once(browser, warmDir));
    process.stdout.write(".");
  }
  fs.rmSync(warmDir, { recursive: true, force: true });
} finally {
  await browser.close();
}

const lines = [];
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
lines.push(`## Cold start (${new Date().toISOString().slice(0, 10)})`, "");
lines.push(`Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`);
lines.push(`Command: \`node bench/cold-start/run.mjs ${runs}\` (after \`npx next build\` and the embedded database template, as \`npm start\` makes them). ${runs} runs per case; p50 (min-max). Target: served page under 10 s.`, "");
lines.push("| case | page served | demo mesh listed | healthy (DB open) | rendered in Chromium |", "|---|---|---|---|---|");
for (const [name, label] of [["fresh", "fresh data dir (creates + migrates the database)"], ["restart", "restart on existing data dir"]]) {
  const cols = ["page", "mesh", "healthy", "rendered"].map((k) => {
    const s = stats(results[name].map((r) => r[k]));
    return `${fmt(s.p50)} (${fmt(s.min)}-${fmt(s.max)})`;
  });
  lines.push(`| ${label} | ${cols.join(" | ")} |`);
}
lines.push("");
const text = lines.join("\n");
console.log("\n" + text);
const resultsFile = path.join(root, "bench", "RESULTS.md");
const header = "# Benchmark results\n\nEvery figure here was measured by the command shown with it, on the machine described.\n\n";
const previous = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, "utf8") : header;
const kept = previous.replace(/## Cold start \([\s\S]*?(?=\n## |$)/, "").trimEnd();
fs.writeFileSync(resultsFile, `${kept || header.trimEnd()}\n\n${text}`);
