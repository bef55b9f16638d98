import { describe, expect, it, vi } from "vitest";

/**
 * Next.js bundles the runtime and each route apart, so this module exists in several copies in one
 * process. The runtime warms the validators at start; a route's copy must find them compiled (a
 * copy compiling its own stalled the server ~0.9 s on the first write after start, bench/load).
 */
describe("CRD validators", () => {
  it("are compiled once per process, shared by every copy of the module", async () => {
    vi.resetModules();
    const first = await import("./crd");
    for (const step of first.crdWarmUpSteps([{ apiVersion: "networking.istio.io/v1", kind: "DestinationRule" }])) step();
    expect(first.compiledValidators()).toContain("networking.istio.io/DestinationRule@v1");
    vi.resetModules();
    const second = await import("./crd");
    expect(second).not.toBe(first);
    expect(second.compiledValidators()).toContain("networking.istio.io/DestinationRule@v1");
    expect(second.validateAgainstCrd({ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", spec: { host: 7 } }).length).toBeGreaterThan(0);
  });
});
