import type { Metadata } from "next";
import { Suspense } from "react";
import { SetupView } from "@/components/auth/SetupView";

export const metadata: Metadata = { title: "Set up" };

export default function SetupPage() {
  return (
    <Suspense>
      <SetupView />
    </Suspense>
  );
}
