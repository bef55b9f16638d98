"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";

export const NAV_ITEMS = [
  { href: "/graph", label: "Graph", hint: "Live service topology", icon: "◉" },
  { href: "/services", label: "Services", hint: "Services, subsets and endpoints", icon: "▤" },
  { href: "/intents", label: "Intents", hint: "Routing and resilience intents", icon: "⇄" },
  { href: "/limiters", label: "Rate limits", hint: "SmartLimiters: metric-driven rate limits", icon: "◔" },
  { href: "/objects", label: "Objects", hint: "The Istio objects Sextant generates", icon: "▦" },
  { href: "/cluster", label: "Cluster", hint: "The Kubernetes cluster: apply with a dry-run diff", icon: "⎈" },
  { href: "/proxies", label: "Proxies", hint: "Proxies connected over xDS", icon: "⇵" },
  { href: "/gitops", label: "GitOps", hint: "Export generated objects to Git", icon: "⎇" },
  { href: "/audit", label: "Audit", hint: "Who changed what, when, with the diff", icon: "✎" },
] as const;

const COLLAPSED_KEY = "sextant.navCollapsed";

/**
 * The sidebar: brand, navigation, and a button that folds it to a rail of
 * icons (the default below 1100 px wide, so pages keep their width; the
 * operator's choice is kept in this browser).
 */
export function Sidebar() {
  const [collapsed, setCollapsed] = useState<boolean | null>(null); // null: not decided yet (server render)
  useEffect(() => {
    const stored = window.localStorage.getItem(COLLAPSED_KEY);
    const decide = () => (stored === null ? window.innerWidth < 1100 : stored === "true");
    document.documentElement.dataset.nav = decide() ? "collapsed" : "open";
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the width and the stored choice are known only in the browser
    setCollapsed(decide());
  }, []);
  const toggle = () => {
    const next = !collapsed;
    setCollapsed(next);
    window.localStorage.setItem(COLLAPSED_KEY, String(next));
    document.documentElement.dataset.nav = next ? "collapsed" : "open";
  };
  return (
    <aside className="sidebar">
      <Link href="/" className="brand" aria-label="Sextant home">
        <span className="brand-mark" aria-hidden="true">◢</span> <span className="nav-text">Sextant</span>
      </Link>
      <Nav />
      <button type="button" className="nav-toggle" onClick={toggle} aria-expanded={collapsed === null ? undefined : !collapsed} aria-label={collapsed ? "Expand navigation" : "Collapse navigation"} title={collapsed ? "Expand navigation" : "Collapse navigation"}>
        {collapsed ? "»" : "«"}
      </button>
    </aside>
  );
}

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
                <span className="nav-icon" aria-hidden="true">{item.icon}</span> <span className="nav-text">{item.label}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
