/**
 * The graph against a real Prometheus holding a 1,000-service / 3,000-edge
 * mesh, end to end:
 *  - a synthetic exporter serves Istio's metrics for the mesh (counters that
 *    grow at each edge's rate), scraped by a real Prometheus every 5 s;
 *  - the built console (`next start`) runs with PROMETHEUS_URL pointing at it,
 *    its graph cache off, so every answer pays for all its queries;
 *  - API: p50 of GET /api/graph for all 20 namespaces, workload graph, 1m;
 *  - browser: Chromium opens the Graph page; time from the API answer
 *    arriving to the laid-out graph painted, and the layout alone.
 * Run after `npx next build`: npx tsx bench/graph/live.ts
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { freePort, startPrometheus, waitForSamples } from "../../server/testing/prometheus";
import { recordResult, stats } from "../lib/results";
import { startSyntheticExporter } from "./exporter";
import { syntheticMesh } from "./synthetic";

const SCRAPE = "5s";
const root = path.resolve(import.meta.dirname, "..", "..");
const edges = syntheticMesh();
const namespaces = [...new Set(edges.map((e) => e.src.ns))].sort();

const exporter = await startSyntheticExporter(edges);
console.log(`exporter: ${exporter.seriesCount} series on :${exporter.port}`);
const series = { length: exporter.seriesCount };

const prom = await startPrometheus([`127.0.0.1:${exporter.port}`], SCRAPE);
const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-bench-graph-"));
const console_: ChildProcess = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
  cwd: root,
  env: { ...process.env, SEXTANT_DATA_DIR: dataDir, SEXTANT_DEMO: "false", SEXTANT_XDS_PORT: "0", PROMETHEUS_URL: prom.url, PROMETHEUS_TIMEOUT_MS: "30000", SEXTANT_GRAPH_CACHE_SECONDS: "0", SEXTANT_LOG_LEVEL: "warn" },
  stdio: "ignore",
});
const base = `http://127.0.0.1:${port}`;
try {
  console.log("waiting for 14 scrapes (70 s) so a 1m window is full…");
  await waitForSamples(prom.url, "istio_requests_total", 14, 240_000);
  const query = `${namespaces.map((n) => `namespace=${n}`).join("&")}&graphType=workload&duration=1m`;
  let summary = "";
  const timeApi = async (extra: string) => {
    const times: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/api/graph?${query}${extra}`);
      const body = (await res.json()) as { nodes: { kind: string }[]; edges: unknown[]; error?: { message: string } };
      const ms = performance.now() - t;
      if (!res.ok) throw new Error(`graph API answered ${res.status}: ${body.error?.message}`);
      summary = `${body.nodes.filter((n) => n.kind !== "box").length} nodes, ${body.edges.length} edges`;
      if (i > 0) times.push(ms); // the first call also warms the server's code paths
    }
    return stats(times);
  };
  const api = await timeApi("");
  console.log(`API: ${summary}; p50 ${api.p50.toFixed(0)} ms (min ${api.min.toFixed(0)}, max ${api.max.toFixed(0)})`);
  const apiP95 = await timeApi("&responseTime=p95");
  console.log(`API with responseTime=p95: p50 ${apiP95.p50.toFixed(0)} ms (min ${apiP95.min.toFixed(0)}, max ${apiP95.max.toFixed(0)})`);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const render: number[] = [];
  const layout: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(`${base}/graph?namespaces=${namespaces.join(",")}&graphType=workload&duration=1m&refresh=off`);
      await page.waitForSelector("[data-drawn-at]", { timeout: 120_000 });
      const m = await page.evaluate(() => {
        const drawn = Number(document.querySelector("[data-drawn-at]")!.getAttribute("data-drawn-at"));
        const api = performance.getEntriesByType("resource").filter((r) => r.name.includes("/api/graph?")).pop() as PerformanceResourceTiming;
        return { render: drawn - api.responseEnd, layout: Number(document.querySelector("[data-layout-ms]")!.getAttribute("data-layout-ms")), total: drawn, nodes: window.sextantGraph!.nodeIds().length };
      });
      if (m.nodes !== 1000) throw new Error(`the page drew ${m.nodes} nodes`);
      if (i > 0) {
        render.push(m.render);
        layout.push(m.layout);
        total.push(m.total);
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const r = stats(render);
  const l = stats(layout);
  const tt = stats(total);
  console.log(`browser: render+layout p50 ${r.p50.toFixed(0)} ms (layout alone ${l.p50.toFixed(0)} ms); navigation to painted graph p50 ${tt.p50.toFixed(0)} ms`);
  recordResult("Graph API and browser against a real Prometheus", [
    `Command: \`npx next build && npx tsx bench/graph/live.ts\`. Synthetic mesh of 1,000 services in 20 namespaces with 3,000 edges (${series.length} series: requests by both reporters, latency histograms by the source's) served by a synthetic exporter, scraped every ${SCRAPE} by Prometheus ${prometheusVersion()} (Debian) until a 1m window is full; the built console with PROMETHEUS_URL and its graph cache off. API: GET /api/graph for all 20 namespaces, workload graph, 1m window (${summary}), 10 timed calls after one warm-up. Browser: Chromium opens the Graph page; 5 timed loads after one warm-up. Targets: API p50 under 1 s; render and layout under 3 s.`,
    "",
    "| measure | p50 | min | max |",
    "|---|---|---|---|",
    `| whole API answer, uncached (default: rates, errors, health) | ${api.p50.toFixed(0)} ms | ${api.min.toFixed(0)} ms | ${api.max.toFixed(0)} ms |`,
    `| whole API answer, uncached, with responseTime=p95 (reads the histograms) | ${apiP95.p50.toFixed(0)} ms | ${apiP95.min.toFixed(0)} ms | ${apiP95.max.toFixed(0)} ms |`,
    `| browser: API answer received → laid-out graph painted | ${r.p50.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${r.max.toFixed(0)} ms |`,
    `| browser: layered layout alone | ${l.p50.toFixed(0)} ms | ${l.min.toFixed(0)} ms | ${l.max.toFixed(0)} ms |`,
    `| browser: navigation → graph painted (includes the API call) | ${tt.p50.toFixed(0)} ms | ${tt.min.toFixed(0)} ms | ${tt.max.toFixed(0)} ms |`,
  ]);
} finally {
  console_.kill("SIGTERM");
  await new Promise((r) => console_.once("exit", r));
  await prom.stop();
  exporter.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

function prometheusVersion(): string {
  try {
    const out = execFileSync(process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return /version (\S+)/.exec(out)?.[1] ?? "(unknown version)";
  } catch {
    return "(unknown version)";
  }
}
