#!/usr/bin/env node
// Writes an initialized, empty embedded database (PGlite's data directory as a
// gzipped tarball) to .sextant-cache/pglite-<version>.tar.gz. Creating a
// PostgreSQL cluster (initdb) is most of a first start's time (4 s here); a
// fresh data directory is instead unpacked from this template (about 1 s),
// then migrated as usual. Made by `npm start` after a build (and by the
// Dockerfile); without it the console initializes the database itself.
// Usage: node scripts/pglite-template.mjs [--if-missing]
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(path.join(root, "package.json"));
const { version } = JSON.parse(fs.readFileSync(path.join(root, "node_modules", "@electric-sql", "pglite", "package.json"), "utf8"));
const file = path.join(root, ".sextant-cache", `pglite-${version}.tar.gz`);
if (process.argv.includes("--if-missing") && fs.existsSync(file)) process.exit(0);

const { PGlite } = await import(require.resolve("@electric-sql/pglite"));
const started = performance.now();
const db = await PGlite.create();
const dump = await db.dumpDataDir("gzip");
await db.close();
fs.mkdirSync(path.dirname(file), { recursive: true });
const tmp = `${file}.${process.pid}.tmp`;
fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
fs.renameSync(tmp, file);
console.log(`Embedded database template written: ${path.relative(root, file)} (${Math.round(performance.now() - started)} ms)`);
