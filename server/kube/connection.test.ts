import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../mesh/registry";
import { quietLog } from "../testing/databases";
import { loadBookinfo } from "../testing/kube-api/bookinfo";
import { KubeApiDouble } from "../testing/kube-api/server";
import { KubeConnection, loadKubeConfig } from "./connection";

/** The configured cluster from a kubeconfig file, as an operator writes one. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-kubeconfig-"));
function kubeconfig(server: string, contexts = ["dev", "prod"], current = "dev"): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: "${server}", insecure-skip-tls-verify: true }
users:
- name: u
  user: { token: admin-token }
contexts:
${contexts.map((c) => `- name: ${c}\n  context: { cluster: c, user: u }`).join("\n")}
current-context: ${current}
`);
  return file;
}

let api: KubeApiDouble | undefined;
let conn: KubeConnection | undefined;
afterEach(async () => {
  conn?.stop();
  await api?.stop();
});

describe("the configured cluster", () => {
  it("says exactly what is wrong with the kubeconfig or the context", () => {
    expect(() => loadKubeConfig({ kubeconfig: "/nowhere/config", context: undefined, inCluster: false, namespaces: undefined, namespaceSelector: undefined })).toThrow("KUBECONFIG names /nowhere/config, which does not exist");
    const file = kubeconfig("http://127.0.0.1:1");
    expect(() => loadKubeConfig({ kubeconfig: file, context: "staging", inCluster: false, namespaces: undefined, namespaceSelector: undefined })).toThrow(`SEXTANT_KUBE_CONTEXT=staging is not a context of ${file} (it has: dev, prod)`);
    expect(loadKubeConfig({ kubeconfig: file, context: "prod", inCluster: false, namespaces: undefined, namespaceSelector: undefined }).getCurrentContext()).toBe("prod");
  });

  it("an unknown context does not stop start-up: the registry source says so", () => {
    const registry = new MemoryRegistry();
    conn = new KubeConnection({ kubeconfig: kubeconfig("http://127.0.0.1:1"), context: "staging", inCluster: false, namespaces: undefined, namespaceSelector: undefined }, registry, quietLog);
    conn.start();
    expect(registry.sources()[0]).toMatchObject({ name: "kubernetes", state: "failed", error: expect.stringContaining("SEXTANT_KUBE_CONTEXT=staging is not a context") });
    expect(conn.status().error).toContain("staging");
  });

  it("a kubeconfig pointing at the cluster fills the registry through the connection", async () => {
    api = new KubeApiDouble({ tokens: { "admin-token": "admin" } });
    await api.start();
    loadBookinfo(api);
    const registry = new MemoryRegistry();
    conn = new KubeConnection({ kubeconfig: kubeconfig(api.url), context: "prod", inCluster: false, namespaces: ["bookinfo"], namespaceSelector: undefined }, registry, quietLog);
    conn.start();
    for (let i = 0; i < 250 && registry.snapshot().endpoints.length < 6; i++) await new Promise((r) => setTimeout(r, 20));
    expect(registry.snapshot().services.map((s) => s.name)).toEqual(["details", "productpage", "ratings", "reviews"]);
    expect(conn.status()).toMatchObject({ context: "prod", server: api.url });
    expect(conn.status().kinds.map((k) => `${k.resource}:${k.state}`)).toEqual(["services:synced", "endpointslices:synced", "pods:synced", "deployments:synced", "statefulsets:synced", "daemonsets:synced"]);
  });
});
