import type { Metadata } from "next";
import { LimitersView } from "@/components/limiter/LimitersView";

export const metadata: Metadata = { title: "Rate limits" };

export default function LimitersPage() {
  return <LimitersView />;
}
