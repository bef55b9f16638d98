import { type NextRequest, NextResponse } from "next/server";

/**
 * Security headers on every answer (Next.js 16's proxy, which runs before every route): a
 * Content-Security-Policy whose scripts need this request's nonce (no 'unsafe-inline' scripts;
 * Next.js puts the nonce on its own scripts when it reads the policy from the request), no
 * framing, no MIME sniffing, no referrer to other sites, HSTS when served over TLS.
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const dev = process.env.NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React sets style attributes (positions, widths): styles stay allowed inline, scripts do not.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const forwarded = new Headers(request.headers);
  forwarded.set("x-nonce", nonce);
  forwarded.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: forwarded } });
  response.headers.set("content-security-policy", csp);
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("x-frame-options", "DENY");
  response.headers.set("referrer-policy", "same-origin");
  if (request.nextUrl.protocol === "https:" || request.headers.get("x-forwarded-proto") === "https") response.headers.set("strict-transport-security", "max-age=31536000");
  return response;
}

export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
