/**
 * Next.js calls register() once when the server starts, before it serves
 * requests. Sextant starts its long-running parts here (database, registry
 * sources, demo mesh), and nowhere else.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { bootProcess } = await import("./server/boot");
  await bootProcess();
}
