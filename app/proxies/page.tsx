import type { Metadata } from "next";
import { PlannedPage } from "@/components/PlannedPage";

export const metadata: Metadata = { title: "Proxies" };

export default function ProxiesPage() {
  return (
    <PlannedPage
      title="Proxies"
      summary="Sextant's own xDS server is not built yet, so no proxy can connect to it."
      planned={[
        "every connected proxy with its workload and, per resource type, SYNCED / STALE / NACKED / NOT SENT",
        "the configuration sent to each proxy (listeners, routes, clusters, endpoints)",
      ]}
    />
  );
}
