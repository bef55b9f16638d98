import { redirect } from "next/navigation";

// The graph is the natural landing page once it exists; until then, Services.
export default function Home() {
  redirect("/services");
}
