import type { Metadata } from "next";
import { WorkloadView } from "@/components/detail/WorkloadView";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function WorkloadPage({ params }: { params: Promise<{ namespace: string; name: string }> }) {
  const { namespace, name } = await params;
  return <WorkloadView namespace={namespace} name={name} />;
}
