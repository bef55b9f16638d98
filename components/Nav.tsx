"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export const NAV_ITEMS = [
  { href: "/graph", label: "Graph", hint: "Live service topology" },
  { href: "/services", label: "Services", hint: "Services, subsets and endpoints" },
  { href: "/intents", label: "Intents", hint: "Routing and resilience intents" },
  { href: "/limiters", label: "Rate limits", hint: "SmartLimiters: metric-driven rate limits" },
  { href: "/objects", label: "Objects", hint: "The Istio objects Sextant generates" },
  { href: "/proxies", label: "Proxies", hint: "Proxies connected over xDS" },
  { href: "/gitops", label: "GitOps", hint: "Export generated objects to Git" },
] as const;

export function Nav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="nav">
      <ul>
        {NAV_ITEMS.map((item) => {
          const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <li key={item.href}>
              <Link href={item.href} className={active ? "nav-link active" : "nav-link"} aria-current={active ? "page" : undefined} title={item.hint}>
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
