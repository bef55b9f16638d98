import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every API route handler must be built with the one wrapper
 * (server/http/route.ts): access control and audit will be enforced there, so
 * a handler that bypasses it would bypass them too.
 */
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? routeFiles(p) : /^route\.(ts|tsx|js)$/.test(d.name) ? [p] : [];
  });
}

describe("API route handlers", () => {
  const files = routeFiles(path.join(process.cwd(), "app"));

  it("exist", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [path.relative(process.cwd(), f)]))("%s exports only handlers built with route()", async (file) => {
    const source = fs.readFileSync(file, "utf8");
    expect(source).not.toMatch(/export\s+(async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b/);
    expect(source).not.toMatch(/export\s+default/);
    const mod = (await import(/* @vite-ignore */ path.resolve(file))) as Record<string, unknown>;
    const handlers = Object.keys(mod).filter((k) => METHODS.includes(k));
    expect(handlers.length).toBeGreaterThan(0);
    for (const name of handlers) {
      expect(source, `${name} must be "export const ${name} = route(...)"`).toMatch(new RegExp(`export\\s+const\\s+${name}\\s*=\\s*route\\(`));
    }
  });
});
