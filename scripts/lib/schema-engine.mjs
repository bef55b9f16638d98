// Loads Prisma's schema engine compiled to wasm (@prisma/schema-engine-wasm)
// so migrations can be written and checked on machines that cannot download
// Prisma's native engine. Used by scripts/db-migration.mjs and by the tests
// that prove Sextant's migration bookkeeping is the one Prisma expects.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

let bindingsPromise;

async function bindings() {
  bindingsPromise ??= (async () => {
    // The package targets bundlers (it imports its .wasm as an ES module); in
    // Node the module is instantiated by hand and wired to its JS glue.
    const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const gluePath = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasm = fs.readFileSync(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(wasm, { "./schema_engine_bg.js": glue });
    glue.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return glue;
  })();
  return bindingsPromise;
}

/** A SchemaEngine bound to a driver adapter factory (e.g. PrismaPGlite, PrismaPg). */
export async function openSchemaEngine(adapterFactory, schemaPath) {
  const { SchemaEngine } = await bindings();
  const content = fs.readFileSync(schemaPath, "utf8");
  return SchemaEngine.new({ datamodels: [[schemaPath, content]] }, () => {}, bindMigrationAwareSqlAdapterFactory(adapterFactory));
}

/** The migrations folder in the shape the engine's commands take. */
export function migrationList(migrationsDir) {
  const dirs = fs.existsSync(migrationsDir)
    ? fs.readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((d) => ({
      path: d,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: fs.readFileSync(path.join(migrationsDir, d, "migration.sql"), "utf8") } },
    })),
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };
