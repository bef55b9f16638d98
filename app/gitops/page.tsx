import type { Metadata } from "next";
import { PlannedPage } from "@/components/PlannedPage";

export const metadata: Metadata = { title: "GitOps" };

export default function GitOpsPage() {
  return (
    <PlannedPage
      title="GitOps"
      summary="Exporting the generated Istio objects to a Git repository is not built yet."
      planned={["the generated objects as a directory of YAML files, one per object, in a stable order", "each export as a commit that says what changed and why"]}
    />
  );
}
