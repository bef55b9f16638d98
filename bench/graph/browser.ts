/**
 * Rendering and layout of graphs in Chromium, on their own: a 200-node /
 * 600-edge graph (ELK's layout, in a worker) and a 1,000-node / 3,000-edge one
 * (layered.ts). The built console serves the Graph page and the API answer is
 * the builder's output for the synthetic mesh, injected into the page's
 * request, so the figures are the browser's work alone (bench/graph/live.ts
 * measures the whole path with a real Prometheus). Times: API answer received
 * -> first paint, layered.ts alone, and ELK from the start of the layout to
 * its positions applied.
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

/** The workload graph of a synthetic mesh of `services` services (3 calls each) over 20 namespaces, as the API answers it. */
function graphBody(services: number): { body: string; namespaces: string[]; nodes: number; edges: number } {
  const edges = syntheticMesh(services);
  const samples: GraphSamples = { requests: [], latencyBuckets: [], latencySum: [], latencyCount: [], tcpSent: [], tcpReceived: [] };
  for (const e of edges) {
    const labels = { ...edgeLabels(e, "source"), request_protocol: "http", grpc_response_status: "", response_flags: "-" };
    samples.requests.push({ labels: { ...labels, response_code: "200" }, value: e.rps * (1 - e.errorShare) });
    if (e.errorShare > 0) samples.requests.push({ labels: { ...labels, response_code: "503" }, value: e.rps * e.errorShare });
  }
  const namespaces = [...new Set(edges.map((e) => e.src.ns))].sort();
  const graph = buildGraph(samples, { graphType: "workload", namespaces, windowSeconds: 60, idle: false, injectServiceNodes: false, healthRules: [], timestamp: new Date(), source: { kind: "prometheus", description: "synthetic" } });
  return { body: JSON.stringify(graph), namespaces, nodes: graph.nodes.filter((n) => n.kind !== "box").length, edges: graph.edges.length };
}

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
// Cases: "<services>" or "<services>:<extra URL parameters>". 200 services: ELK's layout (graph <= 300 nodes); 1,000: layered.ts.
const cases = (process.argv[2] ?? "200,1000,1000:edgeLabels=rate").split(",");
const results: Record<string, { nodes: number; edges: number; render: number[]; layout: number[]; elk: number[]; elkCompute: number[] }> = {};
try {
  for (const c of cases) {
    const [size, extra] = c.split(":") as [string, string | undefined];
    const g = graphBody(Number(size));
    results[c] = { nodes: g.nodes, edges: g.edges, render: [], layout: [], elk: [], elkCompute: [] };
    for (let i = 0; i < 6; i++) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.route("**/api/graph?*", (route) => route.fulfill({ status: 200, contentType: "application/json", body: g.body }));
      await page.route("**/api/intents*", (route) => route.fulfill({ status: 200, contentType: "application/json", body: '{"intents":[]}' }));
      await page.goto(`${base}/graph?namespaces=${g.namespaces.join(",")}&graphType=workload&refresh=off${extra ? `&${extra}` : ""}`);
      await page.waitForSelector("[data-drawn-at]", { timeout: 120_000 });
      // Small graphs: until ELK's positions are applied (the layout an operator ends up looking at).
      await page.waitForSelector("[data-layout-engine]", { timeout: 120_000 });
      const m = await page.evaluate(() => {
        const el = document.querySelector("[data-drawn-at]")!;
        const api = performance.getEntriesByType("resource").filter((r) => r.name.includes("/api/graph?")).pop() as PerformanceResourceTiming;
        return {
          render: Number(el.getAttribute("data-drawn-at")) - api.responseEnd,
          layout: Number(el.getAttribute("data-layout-ms")),
          elk: el.getAttribute("data-layout-engine") === "elk" ? Number(el.getAttribute("data-elk-ms")) : NaN,
          elkCompute: el.getAttribute("data-layout-engine") === "elk" ? Number(el.getAttribute("data-elk-compute-ms")) : NaN,
          nodes: window.sextantGraph!.nodeIds().length,
        };
      });
      if (m.nodes !== g.nodes) throw new Error(`drew ${m.nodes} nodes of ${g.nodes}`);
      if (i > 0) {
        results[c]!.render.push(m.render);
        results[c]!.layout.push(m.layout);
        if (!Number.isNaN(m.elk)) results[c]!.elk.push(m.elk);
        if (!Number.isNaN(m.elkCompute)) results[c]!.elkCompute.push(m.elkCompute);
      }
      await page.close();
    }
    const r = stats(results[c]!.render);
    const e = results[c]!.elk.length ? stats(results[c]!.elk) : undefined;
    console.log(`${c} (${g.nodes} nodes, ${g.edges} edges): first paint p50 ${r.p50.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}); layered ${stats(results[c]!.layout).p50.toFixed(0)} ms${e ? `; ELK layout ${stats(results[c]!.elkCompute).p50.toFixed(0)} ms (max ${stats(results[c]!.elkCompute).max.toFixed(0)}), start -> applied ${e.p50.toFixed(0)} ms` : ""}`);
  }
} finally {
  await browser.close();
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
recordResult("Graph rendering in Chromium", [
  `Command: \`npx next build && npx tsx bench/graph/browser.ts\`. Workload graphs of the synthetic mesh (20 namespace boxes, 3 calls per service), the API answer injected into the page; 5 timed page loads after one warm-up, per case. "200": 200 nodes / 600 edges, laid out by ELK's compound layered layout in a Web Worker (graphs up to 300 nodes) after a first paint at layered.ts positions; "1000": 1,000 nodes / 3,000 edges, layered.ts only (no ELK), large graphs starting without edge labels; ":edgeLabels=rate": rate labels on every edge. Targets: ELK's layout of the 200-node graph under 1 s; the 1,000-node case no slower than before ELK (2026-11-21: 2429 ms p50 default, 2694 ms with labels).`,
  "",
  "| case | nodes / edges | API answer → first paint, p50 (min-max) | layered.ts, p50 | ELK layout in its worker, p50 (max) | ELK, start of layout → positions applied on the page, p50 (max) |",
  "|---|---|---|---|---|---|",
  ...cases.map((c) => {
    const x = results[c]!;
    const r = stats(x.render);
    const e = x.elk.length ? stats(x.elk) : undefined;
    const k = x.elkCompute.length ? stats(x.elkCompute) : undefined;
    return `| ${c} | ${x.nodes} / ${x.edges} | ${r.p50.toFixed(0)} ms (${r.min.toFixed(0)}-${r.max.toFixed(0)}) | ${stats(x.layout).p50.toFixed(0)} ms | ${k ? `${k.p50.toFixed(0)} ms (${k.max.toFixed(0)})` : "not used"} | ${e ? `${e.p50.toFixed(0)} ms (${e.max.toFixed(0)})` : "not used"} |`;
  }),
]);
