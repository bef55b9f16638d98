/**
 * Rendering and layout of a 1,000-service / 3,000-edge graph in Chromium, on
 * its own: the built console serves the Graph page and the API answer is the
 * builder's output for the synthetic mesh, injected into the page's request,
 * so the figure is the browser's work alone (bench/graph/live.ts measures the
 * whole path with a real Prometheus). Times: API answer received -> laid-out
 * graph painted, and the layered layout alone.
 * Run after `npx next build`: npx tsx bench/graph/browser.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { buildGraph, type GraphSamples } from "../../server/metrics/graph/build";
import { freePort } from "../../server/testing/prometheus";
import { recordResult, stats } from "../lib/results";
import { edgeLabels, syntheticMesh } from "./synthetic";

const root = path.resolve(import.meta.dirname, "..", "..");
const edges = syntheticMesh();
const samples: GraphSamples = { requests: [], latencyBuckets: [], latencySum: [], latencyCount: [], tcpSent: [], tcpReceived: [] };
for (const e of edges) {
  const labels = { ...edgeLabels(e, "source"), request_protocol: "http", grpc_response_status: "", response_flags: "-" };
  samples.requests.push({ labels: { ...labels, response_code: "200" }, value: e.rps * (1 - e.errorShare) });
  if (e.errorShare > 0) samples.requests.push({ labels: { ...labels, response_code: "503" }, value: e.rps * e.errorShare });
}
const namespaces = [...new Set(edges.map((e) => e.src.ns))].sort();
const graph = buildGraph(samples, { graphType: "workload", namespaces, windowSeconds: 60, idle: false, injectServiceNodes: false, healthRules: [], timestamp: new Date(), source: { kind: "prometheus", description: "synthetic" } });
const body = JSON.stringify(graph);

const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-bench-browser-"));
const server: ChildProcess = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
  cwd: root,
  env: { ...process.env, SEXTANT_DATA_DIR: dataDir, SEXTANT_DEMO: "false", SEXTANT_XDS_PORT: "0", SEXTANT_LOG_LEVEL: "warn" },
  stdio: "ignore",
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/api/health`)).status > 0) break;
  } catch {
    if (i > 300) throw new Error("console did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const variants = (process.argv[2] ?? "default,edgeLabels=rate").split(",");
const results: Record<string, { render: number[]; layout: number[] }> = {};
try {
  for (const variant of variants) {
    results[variant] = { render: [], layout: [] };
    for (let i = 0; i < 6; i++) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.route("**/api/graph?*", (route) => route.fulfill({ status: 200, contentType: "application/json", body }));
      await page.goto(`${base}/graph?namespaces=${namespaces.join(",")}&graphType=workload&refresh=off${variant === "default" ? "" : `&${variant}`}`);
      await page.waitForSelector("[data-drawn-at]", { timeout: 120_000 });
      const m = await page.evaluate(() => {
        const drawn = Number(document.querySelector("[data-drawn-at]")!.getAttribute("data-drawn-at"));
        const api = performance.getEntriesByType("resource").filter((r) => r.name.includes("/api/graph?")).pop() as PerformanceResourceTiming;
        return { render: drawn - api.responseEnd, layout: Number(document.querySelector("[data-layout-ms]")!.getAttribute("data-layout-ms")), nodes: window.sextantGraph!.nodeIds().length };
      });
      if (m.nodes !== 1000) throw new Error(`drew ${m.nodes} nodes`);
      if (i > 0) {
        results[variant]!.render.push(m.render);
        results[variant]!.layout.push(m.layout);
      }
      await page.close();
    }
    const r = stats(results[variant]!.render);
    console.log(`${variant}: render+layout p50 ${r.p50.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}); layout alone p50 ${stats(results[variant]!.layout).p50.toFixed(0)} ms`);
  }
} finally {
  await browser.close();
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
recordResult("Graph rendering in Chromium", [
  `Command: \`npx next build && npx tsx bench/graph/browser.ts\`. Workload graph of the synthetic mesh (1,000 nodes in 20 namespace boxes, 3,000 edges), the API answer injected into the page; 5 timed page loads after one warm-up, per variant. "default": large graphs start without edge labels; "edgeLabels=rate": rate labels on all 3,000 edges. Target: render and layout under 3 s.`,
  "",
  "| variant | API answer → laid-out graph painted, p50 (min-max) | layered layout alone, p50 |",
  "|---|---|---|",
  ...variants.map((v) => {
    const r = stats(results[v]!.render);
    return `| ${v} | ${r.p50.toFixed(0)} ms (${r.min.toFixed(0)}-${r.max.toFixed(0)}) | ${stats(results[v]!.layout).p50.toFixed(0)} ms |`;
  }),
]);
