import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { AuthGate } from "@/components/auth/AuthGate";
import { UserMenu } from "@/components/auth/UserMenu";
import { HealthIndicator } from "@/components/HealthIndicator";
import { Sidebar } from "@/components/Nav";
import { Providers } from "@/components/Providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Sextant", template: "%s · Sextant" },
  description: "A console and management plane for Istio/Envoy service meshes",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered per request: the Content-Security-Policy's nonce (proxy.ts) is on every script.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* The navigation's folded state before the first paint (components/Nav.tsx keeps it after). */}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: `try{var s=localStorage.getItem("sextant.navCollapsed");document.documentElement.dataset.nav=(s===null?innerWidth<1100:s==="true")?"collapsed":"open"}catch(e){}` }} />
      </head>
      <body>
        <Providers>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <div className="shell">
            <Sidebar />
            <div className="content">
              <header className="topbar">
                <HealthIndicator />
                <UserMenu />
              </header>
              <main id="main" tabIndex={-1}>
                <AuthGate>{children}</AuthGate>
              </main>
            </div>
          </div>
        </Providers>
      </body>
    </html>
  );
}
