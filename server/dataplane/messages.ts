import type { XdsEvents } from "../xds/events";
import type { RegistrySourceStatus } from "../mesh/registry";
import type { MeshSnapshot } from "../mesh/model";
import type { LogLevel } from "../log";
import type { ProxyConnection } from "../xds/server";
import type { DataplaneOptions } from "./dataplane";

/** The messages between the console's thread (host.ts) and the data plane's (worker.ts). Plain data (structured clone). */
export type ToWorker =
  | { t: "start"; opts: DataplaneOptions; logLevel: LogLevel }
  | { t: "req"; id: number; op: "build" | "config" | "view" | "readings" | "startLoad" | "stop"; args: unknown[] }
  /** Close every socket, then end the thread with this exit code (see host.ts, end()). */
  | { t: "exit"; code: number };

export type FromWorker =
  | { t: "started"; xdsPort?: number; metricsUrl: string; demoRunning: boolean; demoError?: string }
  | { t: "res"; id: number; ok: true; value: unknown }
  | { t: "res"; id: number; ok: false; error: string }
  | { t: "registry"; snapshot: MeshSnapshot; sources: RegistrySourceStatus[] }
  | { t: "proxies"; proxies: ProxyConnection[]; events: XdsEvents };
