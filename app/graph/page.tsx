import type { Metadata } from "next";
import { PlannedPage } from "@/components/PlannedPage";

export const metadata: Metadata = { title: "Graph" };

export default function GraphPage() {
  return (
    <PlannedPage
      title="Graph"
      summary="The live service graph, drawn from Istio's standard metrics in Prometheus (or the demo mesh's own telemetry), is not built yet."
      planned={[
        "who talks to whom, with request rates, error rates and latency on every edge",
        "health colours following Kiali's thresholds",
        "live refresh with stable node positions, find/highlight, PNG and JSON export",
      ]}
    />
  );
}
