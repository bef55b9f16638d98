import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MeshTelemetry } from "./telemetry";

/**
 * Serves the demo mesh's telemetry at /metrics in Prometheus text format, the
 * way each Istio sidecar serves its own stats for Prometheus to scrape.
 */
export class MetricsServer {
  private server: http.Server | undefined;

  constructor(private readonly telemetry: MeshTelemetry) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      if (url.pathname !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found: the demo mesh serves /metrics\n");
        return;
      }
      this.telemetry.exposition().then(
        (body) => res.writeHead(200, { "content-type": this.telemetry.contentType }).end(req.method === "HEAD" ? undefined : body),
        (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`cannot render metrics: ${String(e)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
