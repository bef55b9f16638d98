import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { HealthIndicator } from "@/components/HealthIndicator";
import { Nav } from "@/components/Nav";
import { Providers } from "@/components/Providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Sextant", template: "%s · Sextant" },
  description: "A console and management plane for Istio/Envoy service meshes",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <div className="shell">
            <aside className="sidebar">
              <Link href="/" className="brand" aria-label="Sextant home">
                <span className="brand-mark" aria-hidden="true">◢</span> Sextant
              </Link>
              <Nav />
            </aside>
            <div className="content">
              <header className="topbar">
                <HealthIndicator />
              </header>
              <main id="main" tabIndex={-1}>
                {children}
              </main>
            </div>
          </div>
        </Providers>
      </body>
    </html>
  );
}
