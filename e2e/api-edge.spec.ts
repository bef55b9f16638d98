import http from "node:http";
import { expect, test } from "@playwright/test";

/**
 * The HTTP edge of the production server (next start), which in-process
 * tests cannot reach: methods Next.js cannot represent, unknown methods, and
 * oversized bodies sent concurrently (every client must get its 413, none a
 * reset connection).
 */
const ROUTES = ["/api/health", "/api/services", "/api/intents", "/api/intents/preview", "/api/objects", "/api/limiters", "/api/proxies", "/api/graph"];

function raw(base: string, method: string, path: string, body?: Buffer, agent?: http.Agent, chunked = false): Promise<{ status: number; text: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    // chunked: no content-length, so the server learns the size only by reading
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, agent, headers: body ? { "content-type": "application/json", ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": body.length }) } : {} }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    if (body && chunked) {
      // Sent in pieces, as a client streaming a large upload does.
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
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

test("oversized bodies sent concurrently, with a length or chunked, all get their 413, no connection is reset", async ({ baseURL }) => {
  const big = Buffer.alloc(2 * 1024 * 1024, 32);
  const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => raw(baseURL!, "PUT", "/api/intents", big, undefined, i % 2 === 1)));
  const statuses = results.map((r) => (r.status === "fulfilled" ? r.value.status : `error: ${(r.reason as Error).message}`));
  expect(statuses).toEqual(Array(24).fill(413));
});

test("on kept-alive connections, a 413 leaves the connection usable: the next requests on it are answered", async ({ baseURL }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const big = Buffer.alloc(3 * 1024 * 1024, 32);
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, async () => {
        const out: (number | string)[] = [];
        for (let i = 0; i < 5; i++) {
          out.push((await raw(baseURL!, "PUT", "/api/intents", big, agent)).status);
          out.push((await raw(baseURL!, "GET", "/api/health", undefined, agent)).status);
        }
        return out;
      }),
    );
    const seen = results.map((r) => (r.status === "fulfilled" ? r.value.join(",") : `error: ${(r.reason as Error).message}`));
    expect(seen).toEqual(Array(4).fill(Array(5).fill("413,200").join(",")));
  } finally {
    agent.destroy();
  }
});
