import type { Metadata } from "next";
import { AdminView } from "@/components/auth/AdminView";

export const metadata: Metadata = { title: "Users and tokens" };

export default function AdminPage() {
  return <AdminView />;
}
