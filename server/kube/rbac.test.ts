import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../mesh/registry";
import { embeddedTestDatabase, quietLog } from "../testing/databases";
import { loadBookinfo } from "../testing/kube-api/bookinfo";
import { KubeApiDouble } from "../testing/kube-api/server";
import { type Desired, executeApply, planApply } from "./apply";
import { KubeClient } from "./client";
import { importSmartLimiters } from "./import-limiters";
import { readClusterObjects } from "./istio-objects";
import { KubeSource } from "./source";
import { kubeConfigFor } from "../testing/kubeconfig";
import { LeaseLeader } from "../leader/lease";

/**
 * deploy/kubernetes/base/rbac.yaml is exactly what Sextant's Kubernetes features use: every feature
 * runs against an API server that grants only that ClusterRole (no request is refused), and every
 * rule in it is used by some request.
 */
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(process.cwd(), "deploy", "kubernetes", "base", "rbac.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules: Rule[] });
const rules = docs.find((d) => d.kind === "ClusterRole")!.rules;
const leaseRules = docs.find((d) => d.kind === "Role" && d.metadata.name === "sextant-leader-election")!.rules;
const allows = (rs: Rule[], verb: string, group: string, resource: string) => rs.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
const grants = (verb: string, group: string, resource: string) => allows(rules, verb, group, resource);
const dbs = embeddedTestDatabase();
afterAll(() => dbs.cleanup());

describe("the ClusterRole Sextant documents", () => {
  it("grants every request the features make, and nothing they do not use", async () => {
    const used = new Set<string>();
    const refused: string[] = [];
    const api = new KubeApiDouble({
      tokens: { t: "system:serviceaccount:sextant:sextant" },
      authorize: ({ verb, group, resource }) => {
        used.add(`${group}|${resource}|${verb}`);
        const ok = grants(verb, group, resource);
        if (!ok) refused.push(`${verb} ${resource}.${group}`);
        return ok;
      },
    });
    await api.start();
    try {
      loadBookinfo(api);
      const client = new KubeClient(kubeConfigFor(api.url, "t"));
      // Discovery, both ways of scoping.
      for (const opts of [{}, { namespaceSelector: "kubernetes.io/metadata.name" }, { namespaces: ["bookinfo"] }]) {
        const registry = new MemoryRegistry();
        const source = new KubeSource({ client, registry, log: quietLog, ...opts });
        source.start();
        for (let i = 0; i < 250 && !source.status().every((s) => s.state === "synced"); i++) await new Promise((r) => setTimeout(r, 20));
        expect(source.status().every((s) => s.state === "synced")).toBe(true);
        source.stop();
      }
      // Apply of every kind Sextant writes, then pruning of them.
      const labels = { "app.kubernetes.io/managed-by": "sextant" };
      const desired: Desired[] = [
        { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "reviews", namespace: "bookinfo", labels }, spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews" } }] }] } },
        { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "reviews", namespace: "bookinfo", labels }, spec: { host: "reviews" } },
        { apiVersion: "networking.istio.io/v1alpha3", kind: "EnvoyFilter", metadata: { name: "reviews.bookinfo.ratelimit", namespace: "bookinfo", labels }, spec: { workloadSelector: { labels: { app: "reviews" } }, configPatches: [] } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "rate-limit-config", namespace: "bookinfo", labels }, data: { "config.yaml": "domain: slime\n" } },
      ];
      for (const set of [desired, []]) {
        const plan = await planApply(client, set, { namespaces: ["bookinfo"] });
        const { results } = await executeApply(client, set, { namespaces: ["bookinfo"], fingerprint: plan.fingerprint });
        expect(results.every((r) => r.outcome === "applied" || r.outcome === "pruned"), JSON.stringify(results)).toBe(true);
      }
      // Reading the Istio objects, and taking over Slime's limiters.
      const objects = await readClusterObjects(client, ["bookinfo"], new MemoryRegistry().snapshot(), []);
      expect(objects.unavailable).toEqual([]);
      const db = await dbs.open();
      expect((await importSmartLimiters(client, db.prisma, ["bookinfo"], "test", async () => undefined)).unavailable).toBeUndefined();
    } finally {
      await api.stop();
    }
    expect(refused).toEqual([]);
    // Every granted verb is used, except `create`: a server-side apply that creates an object is
    // authorized as create by the real API server too (the test double does not check that).
    const granted = rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`))));
    expect(granted.filter((g) => !used.has(g) && !g.endsWith("|create"))).toEqual([]);
  });
});

describe("the Role for leader election", () => {
  it("grants, in Sextant's namespace only, every request the Lease election makes (create, renew, release), and nothing it does not use", async () => {
    const used = new Set<string>();
    const refused: string[] = [];
    const api = new KubeApiDouble({
      tokens: { t: "system:serviceaccount:sextant:sextant" },
      authorize: ({ verb, group, resource, namespace }) => {
        used.add(`${group}|${resource}|${verb}`);
        const ok = namespace === "sextant" && allows(leaseRules, verb, group, resource);
        if (!ok) refused.push(`${verb} ${resource}.${group} in ${namespace ?? "the cluster"}`);
        return ok;
      },
    });
    await api.start();
    api.ensureNamespace("sextant");
    const timings = { leaseMs: 1500, renewDeadlineMs: 1000, retryMs: 200 };
    const a = new LeaseLeader(kubeConfigFor(api.url, "t"), { namespace: "sextant", name: "sextant-leader", identity: "a", ...timings }, quietLog);
    const b = new LeaseLeader(kubeConfigFor(api.url, "t"), { namespace: "sextant", name: "sextant-leader", identity: "b", ...timings }, quietLog);
    try {
      a.start();
      for (let i = 0; i < 250 && !a.leading; i++) await new Promise((r) => setTimeout(r, 20));
      expect(a.leading).toBe(true);
      b.start();
      await a.stop();
      for (let i = 0; i < 250 && !b.leading; i++) await new Promise((r) => setTimeout(r, 20));
      expect(b.leading).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
      await api.stop();
    }
    expect(refused).toEqual([]);
    const granted = leaseRules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`))));
    expect(granted.filter((g) => !used.has(g))).toEqual([]);
  });
});
