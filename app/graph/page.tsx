import type { Metadata } from "next";
import { Suspense } from "react";
import { GraphView } from "@/components/graph/GraphView";

export const metadata: Metadata = { title: "Graph" };

export default function GraphPage() {
  return (
    <Suspense fallback={<div className="loading">Loading…</div>}>
      <GraphView />
    </Suspense>
  );
}
