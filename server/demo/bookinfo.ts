import type { PortProtocol } from "../mesh/model";

/**
 * The demo mesh's shape: Istio's Bookinfo sample, served over gRPC.
 *   productpage v1 -> details v1
 *   productpage v1 -> reviews v1 | v2 | v3
 *   reviews v2, v3 -> ratings v1
 * Pure data; server/demo/mesh.ts brings it to life.
 */
export const DEMO_NAMESPACE = "default";
export const BOOKINFO_PORT = 9080;

export type BookinfoApp = "productpage" | "details" | "reviews" | "ratings";

export interface DemoServiceDef {
  app: BookinfoApp;
  port: number;
  protocol: PortProtocol;
}

export interface DemoWorkloadDef {
  app: BookinfoApp;
  version: string;
  /** Services this workload calls on every request it serves. */
  calls: BookinfoApp[];
  /** Simulated work per request, in ms: [min, max]. */
  latencyMs: [number, number];
}

export const bookinfoServices: DemoServiceDef[] = [
  { app: "productpage", port: BOOKINFO_PORT, protocol: "GRPC" },
  { app: "details", port: BOOKINFO_PORT, protocol: "GRPC" },
  { app: "reviews", port: BOOKINFO_PORT, protocol: "GRPC" },
  { app: "ratings", port: BOOKINFO_PORT, protocol: "GRPC" },
];

export const bookinfoWorkloads: DemoWorkloadDef[] = [
  { app: "productpage", version: "v1", calls: ["details", "reviews"], latencyMs: [1, 3] },
  { app: "details", version: "v1", calls: [], latencyMs: [1, 2] },
  { app: "reviews", version: "v1", calls: [], latencyMs: [2, 4] },
  { app: "reviews", version: "v2", calls: ["ratings"], latencyMs: [3, 6] },
  // v3 is the slow one, so latency differences between versions are visible.
  { app: "reviews", version: "v3", calls: ["ratings"], latencyMs: [8, 15] },
  { app: "ratings", version: "v1", calls: [], latencyMs: [1, 3] },
];

export const workloadName = (w: { app: string; version: string }) => `${w.app}-${w.version}`;
export const serviceAccountName = (app: string) => `bookinfo-${app}`;
