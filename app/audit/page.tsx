import type { Metadata } from "next";
import { AuditView } from "@/components/auth/AuditView";

export const metadata: Metadata = { title: "Audit" };

export default function AuditPage() {
  return <AuditView />;
}
