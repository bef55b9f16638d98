import type { Metadata } from "next";
import { PlannedPage } from "@/components/PlannedPage";

export const metadata: Metadata = { title: "Intents" };

export default function IntentsPage() {
  return (
    <PlannedPage
      title="Intents"
      summary="Declaring traffic intents (traffic shifting, request routing, fault injection, timeouts and retries, circuit breaking, mirroring) is not built yet. The store that keeps intents and their revisions is in place."
      planned={[
        "all intents, filtered by namespace, service and kind, with their validation status",
        "a preview of the generated VirtualService/DestinationRule YAML and a diff before apply",
        "history per service, diff between revisions, roll back",
      ]}
    />
  );
}
