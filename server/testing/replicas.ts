import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { includeDirs } from "../xds/protos";
import { freePort } from "./prometheus";

/**
 * Sextant replicas (the production build, `next start`; run `npx next build` first) for the
 * multi-replica end-to-end tests and benchmarks, and an ADS client to watch what they serve.
 */
/** Run from the repository root (as npm scripts, Playwright and the benchmarks do). */
const ROOT = process.cwd();
const NEXT = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

export interface Replica {
  port: number;
  xdsPort: number;
  proc: ChildProcess;
  exited: Promise<unknown>;
  url: string;
  dataDir: string;
}

export async function startReplica(databaseUrl: string, env: Record<string, string> = {}): Promise<Replica> {
  const [port, xdsPort] = [await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-replica-"));
  const proc = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, SEXTANT_DATA_DIR: dataDir, SEXTANT_XDS_PORT: String(xdsPort), SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_DEMO_RPS: "1", SEXTANT_LOG_LEVEL: "warn", SEXTANT_KUBE: "off", ...env },
    stdio: ["ignore", fs.openSync(path.join(dataDir, "out.log"), "a"), fs.openSync(path.join(dataDir, "out.log"), "a")],
  });
  const exited = new Promise((r) => proc.on("exit", r));
  let last = "";
  const ready = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/ready`).catch(() => undefined);
    last = (await res?.text().catch(() => "")) ?? "";
    return res?.status ?? 0;
  };
  for (const end = Date.now() + 60_000; (await ready()) !== 200; await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() < end && proc.exitCode === null) continue;
    // Say why: the replica's last readiness answer and the end of its log.
    const log = fs.readFileSync(path.join(dataDir, "out.log"), "utf8").split("\n").slice(-15).join("\n");
    proc.kill("SIGKILL");
    throw new Error(`replica on port ${port} not ready within 60 s: ${last}\n${log}`);
  }
  return { port, xdsPort, proc, exited, url: `http://127.0.0.1:${port}`, dataDir };
}

export async function stopReplicas(replicas: Replica[]): Promise<void> {
  for (const r of replicas)
    if (r.proc.exitCode === null && r.proc.signalCode === null) {
      r.proc.kill("SIGTERM");
      await r.exited;
    }
}

/** Whether the replica says (in its own /metrics) that it leads. */
export const leads = async (r: Replica) => /^sextant_leader\{[^}]*\} 1$/m.test(await (await fetch(`${r.url}/metrics`).catch(() => undefined))?.text().catch(() => "") ?? "");

export interface AdsWatch {
  /** Every answer: its version, its resources' bytes (base64, by name) and when it came. */
  answers: { version: string; typeUrl: string; resources: Record<string, string>; at: number }[];
  close(): void;
}

/** An ADS stream to `xdsPort` as `node`, watching `names` of `typeUrl` and acknowledging every answer. */
let adsClass: grpc.ServiceClientConstructor | undefined;

/** The ADS client class (proto loaded once): what a proxy speaks to Sextant's xDS server. */
export function adsClient(): grpc.ServiceClientConstructor {
  if (adsClass) return adsClass;
  const pkg = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { keepCase: true, longs: String, enums: String, defaults: false, includeDirs: includeDirs() });
  adsClass = (grpc.loadPackageDefinition(pkg) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } }).envoy.service.discovery.v3.AggregatedDiscoveryService;
  return adsClass;
}

export function watchAds(xdsPort: number, node: string, typeUrl: string, names: string[]): AdsWatch {
  const Ads = adsClient();
  const client = new Ads(`127.0.0.1:${xdsPort}`, grpc.credentials.createInsecure());
  type Answer = { nonce: string; version_info: string; type_url: string; resources?: { type_url: string; value: Buffer }[] };
  const call = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, Answer> }).StreamAggregatedResources();
  call.on("error", () => undefined);
  const answers: AdsWatch["answers"] = [];
  call.on("data", (r: Answer) => {
    // Each resource's name is inside its bytes; keyed by position is enough to compare two replicas' answers.
    answers.push({ version: r.version_info, typeUrl: r.type_url, resources: Object.fromEntries((r.resources ?? []).map((x, i) => [String(i), Buffer.from(x.value).toString("base64")])), at: Date.now() });
    call.write({ type_url: typeUrl, resource_names: names, version_info: r.version_info, response_nonce: r.nonce });
  });
  call.write({ node: { id: node, cluster: "e2e" }, type_url: typeUrl, resource_names: names });
  return {
    answers,
    close: () => {
      call.end();
      client.close();
    },
  };
}
