import type { Metadata } from "next";
import { Overview } from "@/components/Overview";

export const metadata: Metadata = { title: "Overview" };

/** The home page: the mesh at a glance (services by health, error edges, recent changes, proxies out of sync). */
export default function Home() {
  return <Overview />;
}
