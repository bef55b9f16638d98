import fs from "node:fs";
import path from "node:path";

/**
 * Every API route and method, found from the route files under app/api (a new route is in the
 * list without touching any test): for tests that must cover them all (fuzzing, roles).
 */
export type Handler = (req: Request, ctx?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
export interface RouteCase {
  file: string;
  template: string;
  method: string;
  handler: Handler;
  params: string[];
}

export const API_DIR = path.join(process.cwd(), "app/api");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export function routeFiles(dir = API_DIR): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? routeFiles(p) : d.name === "route.ts" ? [p] : [];
  });
}

export async function apiRoutes(): Promise<RouteCase[]> {
  const out: RouteCase[] = [];
  for (const file of routeFiles().sort()) {
    const template = "/api/" + path.relative(API_DIR, path.dirname(file)).split(path.sep).join("/");
    const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    const params = [...template.matchAll(/\[(\w+)\]/g)].map((m) => m[1]!);
    for (const method of METHODS) if (typeof mod[method] === "function") out.push({ file, template, method, handler: mod[method] as Handler, params });
  }
  return out;
}
