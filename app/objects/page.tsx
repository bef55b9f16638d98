import type { Metadata } from "next";
import { ObjectsView } from "@/components/ObjectsView";

export const metadata: Metadata = { title: "Generated objects" };

export default function ObjectsPage() {
  return <ObjectsView />;
}
