import type { Metadata } from "next";
import { GitOpsView } from "@/components/gitops/GitOpsView";

export const metadata: Metadata = { title: "GitOps" };

export default function GitOpsPage() {
  return <GitOpsView />;
}
