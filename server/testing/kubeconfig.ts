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
