import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Writes one section of bench/RESULTS.md (replacing the previous run of the same benchmark), with machine and date. */
export function recordResult(title: string, lines: string[]): void {
  const file = path.join(import.meta.dirname, "..", "RESULTS.md");
  const header = "# Benchmark results\n\nEvery figure here was measured by the command shown with it, on the machine described.\n";
  const previous = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : header;
  const machine = `Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`;
  const section = [`## ${title} (${new Date().toISOString().slice(0, 10)})`, "", machine, ...lines, ""].join("\n");
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const kept = previous.replace(new RegExp(`\\n## ${escaped} \\([\\s\\S]*?(?=\\n## |$)`), "").trimEnd();
  fs.writeFileSync(file, `${kept}\n\n${section}`);
}

export function stats(xs: number[]): { p50: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}
