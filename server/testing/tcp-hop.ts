import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP hop in front of a server (PostgreSQL, the Kubernetes API) that a test can cut, as a
 * network partition, a dead node or a server that went down would, and then restore on the same
 * port, as the server coming back.
 */
export interface TcpHop {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpHop(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpHop> {
  const sockets = new Set<net.Socket>();
  const make = () =>
    net.createServer((s) => {
      const up = net.connect(targetPort, targetHost);
      s.pipe(up).pipe(s);
      for (const x of [s, up]) {
        sockets.add(x);
        x.on("error", () => x.destroy());
        x.on("close", () => {
          sockets.delete(x);
          (x === s ? up : s).destroy();
        });
      }
    });
  let server: net.Server | undefined = make();
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const x of sockets) x.destroy();
    await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
  };
  return {
    port,
    cut,
    restore: async () => {
      if (server) return;
      server = make();
      await new Promise<void>((r) => server!.listen(port, "127.0.0.1", r));
    },
    close: cut,
  };
}
