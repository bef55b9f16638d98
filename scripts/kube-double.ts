/**
 * Runs the Kubernetes API test double (server/testing/kube-api) holding Istio's Bookinfo as a real
 * cluster held it, and writes a kubeconfig for it: for end-to-end tests and for trying Sextant's
 * cluster features without a cluster. NOT a Kubernetes API server: see the double's own notes.
 *
 *   npx tsx scripts/kube-double.ts /tmp/kubeconfig
 *   KUBECONFIG=/tmp/kubeconfig npm start
 *
 * Prints one JSON line {"url": ...} once it serves; stops on SIGTERM/SIGINT.
 */
import fs from "node:fs";
import { loadBookinfo } from "../server/testing/kube-api/bookinfo";
import { KubeApiDouble } from "../server/testing/kube-api/server";

const out = process.argv[2];
if (!out) {
  console.error("usage: tsx scripts/kube-double.ts KUBECONFIG_PATH");
  process.exit(2);
}
const api = new KubeApiDouble({ tokens: { "sextant-token": "sextant" }, bookmarkIntervalMs: 30_000 });
await api.start();
loadBookinfo(api);
fs.writeFileSync(
  out,
  `apiVersion: v1
kind: Config
clusters:
- name: test-double
  cluster:
    server: ${api.url}
    insecure-skip-tls-verify: true
users:
- name: sextant
  user:
    token: sextant-token
contexts:
- name: test-double
  context: {cluster: test-double, user: sextant, namespace: bookinfo}
current-context: test-double
`,
);
console.log(JSON.stringify({ url: api.url, kubeconfig: out }));
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void api.stop().then(() => process.exit(0)));
