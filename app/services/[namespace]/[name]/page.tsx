import type { Metadata } from "next";
import { ServiceTrafficView } from "@/components/traffic/ServiceTrafficView";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ServicePage({ params }: { params: Promise<{ namespace: string; name: string }> }) {
  const { namespace, name } = await params;
  return <ServiceTrafficView namespace={namespace} name={name} />;
}
