/**
 * Whether anonymous access is safe: only when the console listens on loopback (nobody else can
 * reach it). Listening anywhere else without a sign-in configuration refuses to start, unless the
 * operator insists with SEXTANT_AUTH=anonymous. Pure: the process's arguments and environment in.
 */
export type AuthMode = "anonymous" | "local";

/** Where `next start` binds: its -H/--hostname argument; Next's standalone server reads HOSTNAME; else all interfaces. */
export function listenHost(argv: readonly string[], env: Record<string, string | undefined>): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === "-H" || a === "--hostname") && argv[i + 1]) return argv[i + 1]!;
    const m = /^--hostname=(.+)$/.exec(a);
    if (m) return m[1]!;
  }
  const isNext = argv.some((a) => /next(\.js)?$|next\/dist\/bin\/next$/.test(a));
  return (!isNext && env.HOSTNAME) || "0.0.0.0";
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

export class UnsafeListenError extends Error {
  constructor(host: string) {
    super(
      `Sextant cannot start: it listens on ${host} (reachable from other machines) and no sign-in is configured, so anyone who can reach the port would be an admin.\n` +
        "  Configure local users: SEXTANT_ADMIN_PASSWORD=<at least 12 characters> (the first admin, named admin), or SEXTANT_AUTH=local for a one-time setup link in the log;\n" +
        "  or listen on loopback only (-H 127.0.0.1);\n" +
        "  or, to insist that anyone who can reach the port is an admin, SEXTANT_AUTH=anonymous.",
    );
    this.name = "UnsafeListenError";
  }
}

/** The mode to run with, or UnsafeListenError. */
export function decideMode(configured: AuthMode | undefined, host: string): AuthMode {
  if (configured) return configured;
  if (isLoopback(host)) return "anonymous";
  throw new UnsafeListenError(host);
}
