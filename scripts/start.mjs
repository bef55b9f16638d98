#!/usr/bin/env node
// `npm start`: runs the console with its embedded defaults (embedded database,
// built-in demo mesh, http://127.0.0.1:3000). On a fresh clone it first
// installs dependencies and builds; later starts reuse the build unless the
// sources changed. Extra arguments go to `next start` (e.g. -H 0.0.0.0).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
process.env.CHECKPOINT_DISABLE ??= "1";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Sextant needs Node.js >= 20.19; this is ${process.version}`);
  process.exit(1);
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);
if (!fs.existsSync("node_modules/.package-lock.json") || mtime("package-lock.json") > mtime("node_modules/.package-lock.json")) {
  // npm install (not ci): see scripts/lib/ensure.sh for why.
  console.log("Installing dependencies (npm install from package-lock.json)…");
  execFileSync(npm, ["install", "--no-audit", "--no-fund"], { stdio: "inherit" });
}

/** Newest modification time among the files a build depends on. */
function newestSource() {
  let newest = 0;
  const walk = (p) => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      if (p.endsWith("generated")) return;
      for (const f of fs.readdirSync(p)) walk(path.join(p, f));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  ["app", "components", "server", "instrumentation.ts", "next.config.ts", "package-lock.json", "tsconfig.json"].forEach(walk);
  return newest;
}

const buildId = path.join(".next", "BUILD_ID");
if (mtime(buildId) < newestSource()) {
  console.log("Building the console (next build)…");
  execFileSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit" });
}
// Part of building: an empty embedded database to unpack into a new data directory
// instead of creating one at start-up (see scripts/pglite-template.mjs).
execFileSync(process.execPath, ["scripts/pglite-template.mjs", "--if-missing"], { stdio: "inherit" });

const port = process.env.PORT || "3000";
// Loopback unless told otherwise: with no sign-in configured, anyone who can reach the port is an
// admin, so listening elsewhere (-H 0.0.0.0) needs SEXTANT_ADMIN_PASSWORD (or SEXTANT_AUTH).
const args = process.argv.slice(2);
const host = args.some((a) => a === "-H" || a === "--hostname" || a.startsWith("--hostname=")) ? [] : ["-H", "127.0.0.1"];
const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", port, ...host, ...args], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
