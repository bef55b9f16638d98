import type { ElkNode } from "elkjs/lib/elk-api";
import type { Graph } from "@/server/metrics/graph/types";
import { elkPositions, toElkGraph } from "./elk-graph";
import type { Point } from "./layered";

/**
 * Runs ELK's layout in a Web Worker (one, started on first use) and answers
 * the node centres. Rejects if the worker cannot start or ELK fails; the
 * caller keeps the positions it has.
 */
let worker: Worker | undefined;
let next = 1;
const waiting = new Map<number, { resolve: (laid: ElkNode, ms: number) => void; reject: (e: Error) => void }>();

function elkWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL("./elk.worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (e: MessageEvent<{ id: number; ok: boolean; laid?: ElkNode; ms?: number; error?: string }>) => {
    const w = waiting.get(e.data.id);
    waiting.delete(e.data.id);
    if (e.data.ok) w?.resolve(e.data.laid!, e.data.ms ?? 0);
    else w?.reject(new Error(e.data.error));
  };
  worker.onerror = (e) => {
    for (const w of waiting.values()) w.reject(new Error(`layout worker failed: ${e.message}`));
    waiting.clear();
    worker = undefined;
  };
  return worker;
}

/** Node centres from ELK, and how long ELK itself took in the worker (ms). */
export function elkLayout(g: Graph): Promise<{ positions: Map<string, Point>; computeMs: number }> {
  const id = next++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve: (laid, ms) => resolve({ positions: elkPositions(laid), computeMs: ms }), reject });
    elkWorker().postMessage({ id, graph: toElkGraph(g) });
  });
}
