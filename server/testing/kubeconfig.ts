import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

/** A KubeConfig for a server on loopback (the test double), as a kubeconfig file would give it. */
export function kubeConfigFor(server: string, token = "admin-token"): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "double", server, skipTLSVerify: true }],
    users: [{ name: "sextant", token }],
    contexts: [{ name: "double", cluster: "double", user: "sextant" }],
    currentContext: "double",
  });
  return kc;
}

/** Writes a kubeconfig file for a server on loopback (the test double), for a Sextant process to read via KUBECONFIG; returns its path. */
export function writeKubeconfig(server: string, token: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sextant-kube-")), "config");
  fs.writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters:\n- name: double\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\nusers:\n- name: sextant\n  user: {token: ${token}}\ncontexts:\n- name: double\n  context: {cluster: double, user: sextant}\ncurrent-context: double\n`);
  return file;
}
