import http from "node:http";
import { expect, test } from "@playwright/test";

/**
 * The HTTP edge of the production server (next start), which in-process
 * tests cannot reach: methods Next.js cannot represent, unknown methods, and
 * oversized bodies sent concurrently (every client must get its 413, none a
 * reset connection).
 */
const ROUTES = ["/api/health", "/api/services", "/api/intents", "/api/intents/preview", "/api/objects", "/api/limiters", "/api/proxies", "/api/graph"];

function raw(base: string, method: string, path: string, body?: Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: body ? { "content-type": "application/json", "content-length": body.length } : {} }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("TRACE is 405 with the API's error body, and no method yields a 5xx", async ({ baseURL }) => {
  for (const r of ROUTES) {
    const trace = await raw(baseURL!, "TRACE", r);
    expect(trace.status, r).toBe(405);
    expect(JSON.parse(trace.text).error.message).toContain("TRACE");
    for (const m of ["PATCH", "PROPFIND", "TRACK", "OPTIONS", "HEAD"]) expect((await raw(baseURL!, m, r)).status, `${m} ${r}`).toBeLessThan(500);
  }
});

test("oversized bodies sent concurrently all get their 413, no connection is reset", async ({ baseURL }) => {
  const big = Buffer.alloc(2 * 1024 * 1024, 32);
  const results = await Promise.allSettled(Array.from({ length: 24 }, () => raw(baseURL!, "PUT", "/api/intents", big)));
  const statuses = results.map((r) => (r.status === "fulfilled" ? r.value.status : `error: ${(r.reason as Error).message}`));
  expect(statuses).toEqual(Array(24).fill(413));
});
