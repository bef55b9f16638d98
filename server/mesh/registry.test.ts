import { describe, expect, it } from "vitest";
import type { MeshSnapshot, Service } from "./model";
import { MemoryRegistry } from "./registry";

const svc = (name: string, ns = "default"): Service => ({
  namespace: ns,
  name,
  hostname: `${name}.${ns}.svc.cluster.local`,
  labels: {},
  selector: { app: name },
  ports: [],
});

describe("MemoryRegistry", () => {
  it("publishes one snapshot and one change event per batch", () => {
    const r = new MemoryRegistry();
    const seen: MeshSnapshot[] = [];
    r.onChange((s) => seen.push(s));
    r.update((w) => {
      w.upsertService(svc("b"));
      w.upsertService(svc("a", "shop"));
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.revision).toBe(1);
    expect(seen[0]!.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(["default/b", "shop/a"]);
    expect(seen[0]!.namespaces).toEqual(["default", "shop"]);
  });

  it("publishes nothing when a batch changes nothing", () => {
    const r = new MemoryRegistry();
    r.update((w) => w.upsertService(svc("a")));
    let events = 0;
    r.onChange(() => events++);
    r.update((w) => w.upsertService(svc("a")));
    r.update((w) => w.removeService("default", "missing"));
    expect(events).toBe(0);
    expect(r.snapshot().revision).toBe(1);
  });

  it("keeps published snapshots immutable and independent of the caller's objects", () => {
    const r = new MemoryRegistry();
    const s = svc("a");
    r.update((w) => w.upsertService(s));
    const first = r.snapshot();
    s.name = "changed";
    expect(r.snapshot().services[0]!.name).toBe("a");
    expect(Object.isFrozen(first)).toBe(true);
    r.update((w) => w.removeService("default", "a"));
    expect(first.services).toHaveLength(1);
    expect(r.snapshot().services).toHaveLength(0);
  });

  it("stops notifying after unsubscribe and reports sources sorted", () => {
    const r = new MemoryRegistry();
    let events = 0;
    const off = r.onChange(() => events++);
    off();
    r.update((w) => w.upsertService(svc("a")));
    expect(events).toBe(0);
    r.setSourceState({ name: "kubernetes", state: "starting" });
    r.setSourceState({ name: "demo", state: "synced" });
    expect(r.sources().map((s) => s.name)).toEqual(["demo", "kubernetes"]);
  });
});
