/// <reference lib="webworker" />
import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkNode } from "elkjs/lib/elk-api";

/** ELK's layered layout off the page's thread: a graph in (elk-graph.ts), the laid-out graph out. */
const elk = new ELK();
self.onmessage = async (e: MessageEvent<{ id: number; graph: ElkNode }>) => {
  try {
    const started = performance.now();
    const laid = await elk.layout(e.data.graph);
    self.postMessage({ id: e.data.id, ok: true, laid, ms: performance.now() - started });
  } catch (err) {
    self.postMessage({ id: e.data.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
