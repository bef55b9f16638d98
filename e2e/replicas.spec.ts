import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { includeDirs } from "../server/xds/protos";

/**
 * Two Sextant processes (the production build) on one PostgreSQL: exactly one leads; a change
 * made through replica A reaches a proxy connected to replica B's xDS server; when the leader is
 * killed (SIGKILL), the other leads.
 */
const NEXT = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");
const ADMIN_URL = process.env.SEXTANT_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const ROUTE = "reviews.default.svc.cluster.local:9080";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Replica {
  port: number;
  xdsPort: number;
  proc: ChildProcess;
  exited: Promise<unknown>;
}

async function startReplica(databaseUrl: string): Promise<Replica> {
  const [port, xdsPort] = [await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-replica-"));
  const proc = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, DATABASE_URL: databaseUrl, SEXTANT_DATA_DIR: dataDir, SEXTANT_XDS_PORT: String(xdsPort), SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_DEMO_RPS: "1", SEXTANT_LOG_LEVEL: "warn", SEXTANT_KUBE: "off" },
    stdio: "ignore",
  });
  const exited = new Promise((r) => proc.on("exit", r));
  await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/api/ready`).catch(() => undefined))?.status ?? 0, { timeout: 60_000 }).toBe(200);
  return { port, xdsPort, proc, exited };
}

const leads = async (r: Replica) => /^sextant_leader\{[^}]*\} 1$/m.test(await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text().catch(() => ""));

test("two replicas on one PostgreSQL: one leads; a change through A reaches B's proxies; kill the leader and the other leads", async () => {
  test.setTimeout(180_000);
  const name = `sextant_replicas_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const replicas: Replica[] = [];
  try {
    replicas.push(await startReplica(url.toString()));
    replicas.push(await startReplica(url.toString()));
    const [a, b] = replicas as [Replica, Replica];
    await expect.poll(async () => (await Promise.all([leads(a), leads(b)])).filter(Boolean).length, { timeout: 15_000 }).toBe(1);

    // A proxy on B watches reviews' routes.
    const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, includeDirs: includeDirs() });
    const Ads = (grpc.loadPackageDefinition(pkg) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } }).envoy.service.discovery.v3.AggregatedDiscoveryService;
    const client = new Ads(`127.0.0.1:${b.xdsPort}`, grpc.credentials.createInsecure());
    const call = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, { nonce: string; version_info: string }> }).StreamAggregatedResources();
    call.on("error", () => undefined);
    const versions: { version: string; at: number }[] = [];
    call.on("data", (r: { nonce: string; version_info: string }) => {
      versions.push({ version: r.version_info, at: Date.now() });
      call.write({ type_url: RDS, resource_names: [ROUTE], version_info: r.version_info, response_nonce: r.nonce });
    });
    call.write({ node: { id: "sidecar~127.0.0.1~replica-test.default~default.svc.cluster.local", cluster: "e2e" }, type_url: RDS, resource_names: [ROUTE] });
    await expect.poll(() => versions.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const before = versions.at(-1)!.version;

    // The change goes through A.
    const put = await fetch(`http://127.0.0.1:${a.port}/api/intents`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v2", weight: 100 }] } }, expectedRevision: 0 }) });
    expect(put.status).toBe(200);
    const sent = Date.now();
    await expect.poll(() => versions.some((v) => v.version !== before && v.at >= sent), { timeout: 10_000 }).toBe(true);
    const reached = versions.find((v) => v.version !== before && v.at >= sent)!.at - sent;
    console.log(`change through replica A reached a proxy on replica B in ${reached} ms`);
    call.end();
    client.close();

    // Kill the leader; the other one leads.
    const leader = (await leads(a)) ? a : b;
    const other = leader === a ? b : a;
    const killed = Date.now();
    leader.proc.kill("SIGKILL");
    await leader.exited;
    await expect.poll(() => leads(other), { timeout: 20_000 }).toBe(true);
    console.log(`the other replica led ${Date.now() - killed} ms after the leader was killed`);
  } finally {
    for (const r of replicas) if (r.proc.exitCode === null) {
      r.proc.kill("SIGTERM");
      await r.exited;
    }
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
});
