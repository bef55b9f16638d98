import { ConfigError, loadConfig } from "./config";
import { UnsafeListenError, decideMode, listenHost } from "./auth/policy";
import { installMethodGuard } from "./http/methods";
import { startRuntime, stopRuntime } from "./runtime";

/**
 * Process start-up as the server runs it: start the runtime or stop the
 * process with a clear message, and stop the runtime cleanly on SIGINT/SIGTERM
 * (the embedded database must be closed to keep its files consistent).
 */
export async function bootProcess(): Promise<void> {
  installMethodGuard();
  try {
    // Anonymous access only where nobody else can reach the port (server/auth/policy.ts).
    const host = listenHost(process.argv, process.env);
    process.env.SEXTANT_AUTH = decideMode(loadConfig(process.env).auth.mode, host);
    await startRuntime();
  } catch (e) {
    console.error(e instanceof ConfigError || e instanceof UnsafeListenError ? e.message : `Sextant cannot start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  }
  chainShutdown();
}

/**
 * `next start` installs its own SIGINT/SIGTERM handlers (before calling
 * instrumentation) that close the HTTP server and exit. Ours must run first,
 * or the process exits with the database still open; so we take Next's
 * handlers out and call them once the runtime has stopped.
 */
function chainShutdown(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const next = process.listeners(signal);
    process.removeAllListeners(signal);
    let started = false;
    process.on(signal, () => {
      if (started) return;
      started = true;
      void stopRuntime().finally(() => {
        if (next.length > 0) next.forEach((listener) => listener(signal));
        else process.exit(signal === "SIGINT" ? 130 : 143);
      });
    });
  }
}
