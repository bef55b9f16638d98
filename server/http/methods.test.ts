import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installMethodGuard } from "./methods";

/** TRACE and TRACK never reach the handler (Next.js threw on them: 500); a real HTTP server and client. */
describe("the method guard", () => {
  let server: http.Server;
  let port = 0;
  let reached = 0;
  beforeAll(async () => {
    installMethodGuard();
    server = http.createServer((_req, res) => {
      reached++;
      res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const send = (method: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method, path: "/api/services" }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.end();
    });

  it("answers TRACE with 405 and the API's error body; TRACK is refused by Node's parser (400)", async () => {
    const r = await send("TRACE");
    expect(r.status).toBe(405);
    expect(JSON.parse(r.body).error.message).toContain("TRACE");
    expect((await send("TRACK")).status).toBe(400);
    expect(reached).toBe(0);
  });

  it("lets every other method through", async () => {
    for (const m of ["GET", "POST", "DELETE", "OPTIONS", "PROPFIND"]) expect((await send(m)).status, m).toBe(200);
    expect(reached).toBe(5);
  });
});
