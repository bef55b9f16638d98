import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../mesh/registry";
import { quietLog } from "../testing/databases";
import { loadBookinfo } from "../testing/kube-api/bookinfo";
import { KubeApiDouble } from "../testing/kube-api/server";
import type { Obj } from "../testing/kube-api/store";
import { type Desired, executeApply, planApply } from "./apply";
import { KubeClient } from "./client";
import { readClusterObjects } from "./istio-objects";
import { KubeSource } from "./source";
import { kubeConfigFor } from "../testing/kubeconfig";

/** Istio objects already in a cluster (Istio's own Bookinfo samples): checks, who manages them, drift. */
const sample = (f: string) => fs.readFileSync(path.join(__dirname, "testdata", f), "utf8");
let api: KubeApiDouble;
let source: KubeSource;
let registry: MemoryRegistry;

beforeEach(async () => {
  api = new KubeApiDouble();
  await api.start();
  loadBookinfo(api);
  registry = new MemoryRegistry();
  source = new KubeSource({ client: new KubeClient(kubeConfigFor(api.url)), registry, log: quietLog, namespaces: ["bookinfo"] });
  source.start();
  for (let i = 0; i < 250 && registry.snapshot().endpoints.length < 6; i++) await new Promise((r) => setTimeout(r, 20));
});
afterEach(async () => {
  source.stop();
  await api.stop();
});

const client = () => new KubeClient(kubeConfigFor(api.url));
const read = (generated: { kind: string; namespace: string; name: string; object: unknown }[] = []) => readClusterObjects(client(), ["bookinfo"], registry.snapshot(), generated);
const codes = (r: Awaited<ReturnType<typeof read>>, kind: string, name: string) => r.objects.find((o) => o.kind === kind && o.name === name)!.findings.map((f) => `${f.code}/${f.kiali ?? "-"} ${f.path}`);

describe("Istio objects in the cluster", () => {
  it("Istio's Bookinfo samples as applied: only the ingress gateway that does not run here is reported", async () => {
    api.load(sample("destination-rule-all.yaml"), "bookinfo");
    api.load(sample("virtual-service-all-v1.yaml"), "bookinfo");
    api.load(sample("bookinfo-gateway.yaml"), "bookinfo");
    const r = await read();
    expect(r.objects.map((o) => `${o.kind}/${o.name}`)).toEqual(["DestinationRule/details", "DestinationRule/productpage", "DestinationRule/ratings", "DestinationRule/reviews", "Gateway/bookinfo-gateway", "VirtualService/bookinfo", "VirtualService/details", "VirtualService/productpage", "VirtualService/ratings", "VirtualService/reviews"]);
    const all = r.objects.flatMap((o) => o.findings.map((f) => `${o.kind}/${o.name} ${f.code} ${f.path}`));
    // As Kiali reports (KIA0203) on plain Bookinfo: destination-rule-all.yaml also defines subsets for
    // versions that are not deployed (details v2, ratings v2, v2-mysql, v2-mysql-vm).
    expect(all).toEqual([
      "DestinationRule/details SX407 spec.subsets[1].labels",
      "DestinationRule/ratings SX407 spec.subsets[1].labels",
      "DestinationRule/ratings SX407 spec.subsets[2].labels",
      "DestinationRule/ratings SX407 spec.subsets[3].labels",
      "Gateway/bookinfo-gateway SX409 spec.selector",
    ]);
    expect(r.unavailable).toEqual([]);
  });

  it("finds what Kiali finds: subset without a DestinationRule, unknown host, missing gateway, two VirtualServices for a host, subset labels of no pod", async () => {
    api.load(sample("virtual-service-reviews-v3.yaml"), "bookinfo");
    api.load(sample("virtual-service-reviews-80-20.yaml").replace("name: reviews", "name: reviews-canary"), "bookinfo");
    api.load([{ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "lost", namespace: "bookinfo" }, spec: { hosts: ["lost"], gateways: ["nope"], http: [{ route: [{ destination: { host: "nosuch" }, weight: 50 }] }] } }] as Obj[]);
    // Istio's IST0173 example: a subset v4 no reviews pod has.
    api.load([{ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "reviews", namespace: "bookinfo" }, spec: { host: "reviews", subsets: [{ name: "v1", labels: { version: "v1" } }, { name: "v4", labels: { version: "v4" } }] } }] as Obj[]);
    const r = await read();
    expect(codes(r, "VirtualService", "reviews")).toEqual(["SX403/KIA1107 spec.http[0].route[0].destination.subset", "SX405/KIA1106 spec.hosts"]);
    expect(codes(r, "VirtualService", "lost")).toEqual(["SX404/KIA1102 spec.gateways[0]", "SX402/KIA1101 spec.http[0].route[0].destination.host", "SX410/KIA1104 spec.http[0].route[0].weight"]);
    expect(codes(r, "DestinationRule", "reviews")).toEqual(["SX407/KIA0203 spec.subsets[1].labels"]);
  });

  it("says who manages each object: Sextant, Argo CD, Flux, Helm, or the field managers that wrote it", async () => {
    const vs = (name: string, md: Record<string, unknown>) => ({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name, namespace: "bookinfo", ...md }, spec: { hosts: [name], http: [{ route: [{ destination: { host: "reviews" } }] }] } }) as Obj;
    api.load([vs("argo", { annotations: { "argocd.argoproj.io/tracking-id": "bookinfo:networking.istio.io/VirtualService:bookinfo/argo" } }), vs("flux", { labels: { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" } }), vs("helm", { labels: { "app.kubernetes.io/managed-by": "Helm" }, annotations: { "meta.helm.sh/release-name": "bookinfo", "meta.helm.sh/release-namespace": "bookinfo" } }), vs("fake", { labels: { "app.kubernetes.io/managed-by": "sextant" } })]);
    await fetch(`${api.url}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices`, { method: "POST", headers: { Authorization: "Bearer t", "Content-Type": "application/json", "User-Agent": "kubectl-client-side-apply/v1.32.0" }, body: JSON.stringify(vs("byhand", {})) });
    const mine: Desired = { ...vs("reviews", { labels: { "app.kubernetes.io/managed-by": "sextant" } }) } as unknown as Desired;
    const plan = await planApply(client(), [mine], { namespaces: ["bookinfo"] });
    await executeApply(client(), [mine], { namespaces: ["bookinfo"], fingerprint: plan.fingerprint });
    const r = await read([{ kind: "VirtualService", namespace: "bookinfo", name: "reviews", object: mine }]);
    const by = Object.fromEntries(r.objects.map((o) => [o.name, `${o.managedBy.by}${o.managedBy.detail ? `: ${o.managedBy.detail}` : ""}`]));
    expect(by).toEqual({
      argo: "Argo CD: application bookinfo",
      byhand: "field managers: kubectl-client-side-apply",
      fake: "unknown",
      flux: "Flux: Kustomization flux-system/apps",
      helm: "Helm: release bookinfo/bookinfo",
      reviews: "sextant",
    });
    expect(r.objects.find((o) => o.name === "reviews")!.sync?.state).toBe("in sync");
  });

  it("a Sextant object someone edited with kubectl is drifted, with the diff and who edited it", async () => {
    const mine = { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "reviews", namespace: "bookinfo", labels: { "app.kubernetes.io/managed-by": "sextant" } }, spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews", subset: "v1" }, weight: 90 }, { destination: { host: "reviews", subset: "v2" }, weight: 10 }] }] } } as Desired;
    const plan = await planApply(client(), [mine], { namespaces: ["bookinfo"] });
    await executeApply(client(), [mine], { namespaces: ["bookinfo"], fingerprint: plan.fingerprint });
    await fetch(`${api.url}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews?fieldManager=kubectl-edit`, { method: "PATCH", headers: { Authorization: "Bearer t", "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { http: [{ route: [{ destination: { host: "reviews", subset: "v1" }, weight: 50 }, { destination: { host: "reviews", subset: "v2" }, weight: 50 }] }] } }) });
    const r = await read([{ kind: "VirtualService", namespace: "bookinfo", name: "reviews", object: mine }]);
    const o = r.objects.find((x) => x.name === "reviews")!;
    expect(o.sync).toMatchObject({ state: "drifted", editedBy: ["kubectl-edit"] });
    expect(o.sync!.diff).toMatch(/-\s+weight: 50\n[\s\S]*\+\s+weight: 90\n/);
    // Re-apply (forced: kubectl-edit owns .spec.http now) clears it.
    const again = await planApply(client(), [mine], { namespaces: ["bookinfo"], force: true });
    await executeApply(client(), [mine], { namespaces: ["bookinfo"], force: true, fingerprint: again.fingerprint });
    expect((await read([{ kind: "VirtualService", namespace: "bookinfo", name: "reviews", object: mine }])).objects.find((x) => x.name === "reviews")!.sync?.state).toBe("in sync");
  });

  it("a kind whose CRD is not installed is reported, not an error", async () => {
    await api.stop();
    api = new KubeApiDouble({ crds: { slime: false } });
    await api.start();
    loadBookinfo(api);
    const r = await read();
    expect(r.unavailable).toEqual([{ kind: "SmartLimiter", reason: "Slime's microservice.slime.io CRDs (SmartLimiter) are not installed (404 on smartlimiters.microservice.slime.io)" }]);
  });
});
