import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A real Prometheus (Debian's package, installed by scripts/test.sh) for
 * tests: its own config and a temporary data directory, on a free loopback port.
 */
export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export async function startPrometheus(targets: string[], scrapeInterval = "1s"): Promise<RunningPrometheus> {
  const bin = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
  if (!fs.existsSync(bin)) throw new Error(`Prometheus is not installed at ${bin}; scripts/test.sh installs it (apt-get install prometheus) or set PROMETHEUS_BIN`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-prom-"));
  const config = path.join(dir, "prometheus.yml");
  fs.writeFileSync(
    config,
    [
      "global:",
      `  scrape_interval: ${scrapeInterval}`,
      `  evaluation_interval: ${scrapeInterval}`,
      "scrape_configs:",
      "  - job_name: demo",
      `    static_configs: [{ targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const proc: ChildProcess = spawn(bin, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  proc.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`Prometheus exited: ${log}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      /* starting */
    }
    if (Date.now() > deadline) throw new Error(`Prometheus did not become ready: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      proc.kill("SIGTERM");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until Prometheus has scraped `metric` at least `samples` times. */
export async function waitForSamples(url: string, metric: string, samples: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(`max(count_over_time(${metric}[5m]))`)}`);
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const n = Number(body.data?.result?.[0]?.value[1] ?? 0);
    if (n >= samples) return;
    if (Date.now() > deadline) throw new Error(`Prometheus has ${n} samples of ${metric}, wanted ${samples}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
