import type { Metadata } from "next";
import { Suspense } from "react";
import { ServicesView } from "@/components/ServicesView";

export const metadata: Metadata = { title: "Services" };

export default function ServicesPage() {
  return (
    <Suspense fallback={<div className="loading">Loading…</div>}>
      <ServicesView />
    </Suspense>
  );
}
