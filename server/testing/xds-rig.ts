import * as grpc from "@grpc/grpc-js";
import type { IntentDraft } from "../intents/schemas";
import { intentDraftSchema } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { AdsServer } from "../xds/server";
import { SnapshotBuilder } from "../xds/snapshot";
import { quietLog } from "./databases";

/**
 * A test rig for xDS conformance: real gRPC servers as the pods of one
 * service ("echo", port 9080, versions as subsets), Sextant's ADS server fed
 * by the real incremental SnapshotBuilder, and callers through the gRPC
 * team's xDS client (@grpc/grpc-js-xds) that the test file registers. Each
 * pod answers with its name, records every call it gets (with metadata) and
 * can be told to fail or to be slow, so tests observe where traffic went.
 */
export const SERVICE = "echo";
export const HOST = "echo.default.svc.cluster.local";
export const PORT = 9080;
export const TARGET = `xds:///${HOST}:${PORT}`;
const PATH = "/sextant.test.Echo/Call";

export interface Pod {
  name: string;
  version: string;
  port: number;
  calls: { at: number; metadata: Record<string, string> }[];
  /** Fail every call with this gRPC status; a function decides per call (its index at this pod, its metadata). */
  fail?: grpc.status | ((n: number, metadata: Record<string, string>) => grpc.status | undefined);
  delayMs?: number;
}

const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v ?? {})),
  deserialize: (b: Buffer) => (b.length ? JSON.parse(b.toString()) : {}),
};

export class XdsRig {
  readonly pods: Pod[] = [];
  readonly ads = new AdsServer(quietLog);
  private readonly builder = new SnapshotBuilder();
  private servers: grpc.Server[] = [];
  private clients: grpc.Client[] = [];
  adsPort = 0;

  async start(pods: { name: string; version: string }[]): Promise<void> {
    for (const p of pods) {
      const pod: Pod = { ...p, port: 0, calls: [] };
      const server = new grpc.Server();
      server.addService(
        { Call: { path: PATH, requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize } },
        {
          Call: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
            const n = pod.calls.length;
            const metadata = Object.fromEntries(Object.entries(call.metadata.getMap()).map(([k, v]) => [k, String(v)]));
            pod.calls.push({ at: Date.now(), metadata });
            const code = typeof pod.fail === "function" ? pod.fail(n, metadata) : pod.fail;
            const answer = () => (code !== undefined ? cb({ code, details: `${pod.name} fails` }) : cb(null, { pod: pod.name }));
            if (pod.delayMs) setTimeout(answer, pod.delayMs);
            else answer();
          },
        },
      );
      pod.port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));
      this.servers.push(server);
      this.pods.push(pod);
    }
    this.adsPort = await this.ads.listen("127.0.0.1", 0);
  }

  mesh(): MeshSnapshot {
    return {
      revision: 1,
      namespaces: ["default"],
      services: [{ namespace: "default", name: SERVICE, hostname: HOST, labels: { app: SERVICE }, selector: { app: SERVICE }, ports: [{ name: "grpc", port: PORT, protocol: "GRPC", targetPortName: "grpc" }] }],
      workloads: [],
      endpoints: this.pods.map((p) => ({ namespace: "default", pod: p.name, workload: p.name, address: "127.0.0.1", ports: [{ name: "grpc", port: p.port }], labels: { app: SERVICE, version: p.version }, ready: true })),
    };
  }

  /** Builds and serves the snapshot for these intents (on the echo service). */
  publish(...intents: IntentDraft[]): void {
    this.ads.setSnapshot(this.builder.build(this.mesh(), intents));
  }

  /** The bootstrap for the process's gRPC xDS client. */
  bootstrap(nodeId = "proxyless-conformance"): string {
    return JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${this.adsPort}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
      node: { id: nodeId, cluster: "conformance", locality: {} },
    });
  }

  /** A new channel to the echo service through xDS. */
  client(): grpc.Client {
    const c = new grpc.Client(TARGET, grpc.credentials.createInsecure());
    this.clients.push(c);
    return c;
  }

  reset(): void {
    for (const p of this.pods) {
      p.calls = [];
      p.fail = undefined;
      p.delayMs = undefined;
    }
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.ads.close();
    for (const s of this.servers) s.forceShutdown();
  }
}

export interface CallOutcome {
  pod?: string;
  code: grpc.status;
  ms: number;
}

export function call(client: grpc.Client, headers: Record<string, string> = {}, deadlineMs = 10_000): Promise<CallOutcome> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  const t = performance.now();
  return new Promise((resolve) =>
    client.makeUnaryRequest(PATH, json.serialize, json.deserialize, {}, md, { deadline: Date.now() + deadlineMs }, (err, res) =>
      resolve(err ? { code: err.code, ms: performance.now() - t } : { pod: (res as { pod: string }).pod, code: grpc.status.OK, ms: performance.now() - t }),
    ),
  );
}

/** n calls, at most `parallel` in flight; counts by answering pod (or by status when failed). */
export async function tally(client: grpc.Client, n: number, headers: Record<string, string> = {}, parallel = 25): Promise<{ byPod: Record<string, number>; failed: number; outcomes: CallOutcome[] }> {
  const outcomes: CallOutcome[] = [];
  for (let i = 0; i < n; i += parallel) outcomes.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => call(client, headers)))));
  const byPod: Record<string, number> = {};
  for (const o of outcomes) if (o.pod) byPod[o.pod] = (byPod[o.pod] ?? 0) + 1;
  return { byPod, failed: outcomes.filter((o) => o.code !== grpc.status.OK).length, outcomes };
}

export const intent = (kind: string, spec: unknown): IntentDraft => intentDraftSchema.parse({ kind, namespace: "default", target: SERVICE, spec });

/** Polls a condition (outside a test, where expect.poll is not allowed). */
export async function waitFor(ok: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
