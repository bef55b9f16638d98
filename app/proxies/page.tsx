import type { Metadata } from "next";
import { ProxiesView } from "@/components/ProxiesView";

export const metadata: Metadata = { title: "Proxies" };

export default function ProxiesPage() {
  return <ProxiesView />;
}
