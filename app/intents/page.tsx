import type { Metadata } from "next";
import { Suspense } from "react";
import { IntentsView } from "@/components/IntentsView";

export const metadata: Metadata = { title: "Intents" };

export default function IntentsPage() {
  return (
    <Suspense fallback={<div className="loading">Loading…</div>}>
      <IntentsView />
    </Suspense>
  );
}
