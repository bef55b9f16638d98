import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRuntime, startRuntime, stopRuntime } from "@/server/runtime";
import { loadBookinfo } from "@/server/testing/kube-api/bookinfo";
import { KubeApiDouble } from "@/server/testing/kube-api/server";
import { POST as kubeLogin } from "./auth/kube-login/route";
import { GET as me } from "./auth/me/route";
import { PUT as apply } from "./intents/route";

/**
 * Sign-in with a Kubernetes bearer token (as Kiali offers), against the Kubernetes API test double
 * (held to kube-apiserver 1.32's SelfSubjectReview and SelfSubjectAccessReview answers,
 * transcript 08): the cluster's RBAC decides the role and the namespaces.
 */
const json = (method: string, url: string, body: unknown, headers: Record<string, string> = {}) => new Request(`http://sextant.test${url}`, { method, body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });

describe("sign-in with a Kubernetes token", () => {
  let dir: string;
  // Sextant's own token may do anything; "ops" may write Istio objects in bookinfo only; "dev" nothing.
  const cluster = new KubeApiDouble({
    tokens: { "sextant-token": "sextant", "ops-token-1234": "ops", "dev-token-1234": "dev" },
    authorize: ({ user, verb, group, resource, namespace }) =>
      user === "sextant" || (user === "ops" && namespace === "bookinfo" && group === "networking.istio.io" && ["virtualservices", "destinationrules"].includes(resource) && ["get", "list", "patch", "create"].includes(verb)),
  });
  const signIn = async (token: string) => {
    const res = await kubeLogin(json("POST", "/api/auth/kube-login", { token }));
    const cookie = /sextant_session=([^;]+)/.exec(res.headers.getSetCookie().join("\n"))?.[1];
    const csrf = /sextant_csrf=([^;]+)/.exec(res.headers.getSetCookie().join("\n"))?.[1];
    return { res, headers: { cookie: `sextant_session=${cookie}; sextant_csrf=${csrf}`, "x-csrf-token": csrf ?? "" } };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-kube-login-"));
    await cluster.start();
    loadBookinfo(cluster);
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${cluster.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: sextant-token}}]\ncontexts: [{name: double, context: {cluster: c, user: u}}]\ncurrent-context: double\n`);
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error", KUBECONFIG: kubeconfig, SEXTANT_KUBE_TOKEN_LOGIN: "true" });
    // The cluster's Bookinfo is in the model before anyone signs in.
    for (let i = 0; i < 300 && (await getRuntime()).registry.snapshot().services.filter((s) => s.namespace === "bookinfo").length < 4; i++) await new Promise((r) => setTimeout(r, 100));
  }, 60_000);

  afterAll(async () => {
    await stopRuntime();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the token's owner becomes an operator of the namespaces RBAC lets them write, and only those", async () => {
    const { res, headers } = await signIn("ops-token-1234");
    expect(res.status).toBe(200);
    expect((await res.json()).user).toEqual({ name: "ops (kubernetes)", role: "operator", namespaces: ["bookinfo"] });
    expect((await (await me(new Request("http://sextant.test/api/auth/me", { headers }))).json()).user).toMatchObject({ name: "ops (kubernetes)", kind: "kubernetes", role: "operator", namespaces: ["bookinfo"] });
    const intent = (namespace: string) => ({ kind: "traffic-shift", namespace, target: "reviews", spec: { weights: [{ subset: "v1", weight: 100 }] } });
    expect((await apply(json("PUT", "/api/intents", { intent: intent("bookinfo"), expectedRevision: 0 }, headers))).status).toBe(200);
    const other = await apply(json("PUT", "/api/intents", { intent: intent("default"), expectedRevision: 0 }, headers));
    expect(other.status).toBe(403);
  });

  it("a token that may write nothing signs in as a viewer; an unknown token is refused", async () => {
    const dev = await signIn("dev-token-1234");
    expect((await dev.res.json()).user).toEqual({ name: "dev (kubernetes)", role: "viewer", namespaces: null });
    const intent = { kind: "traffic-shift", namespace: "bookinfo", target: "ratings", spec: { weights: [{ subset: "v1", weight: 100 }] } };
    expect((await apply(json("PUT", "/api/intents", { intent, expectedRevision: 0 }, dev.headers))).status).toBe(403);
    const bad = await signIn("not-a-token-of-this-cluster");
    expect(bad.res.status).toBe(401);
    expect((await bad.res.json()).error.message).toContain("does not accept this token");
    expect(bad.res.headers.getSetCookie().join("")).not.toContain("sextant_session=");
  });
});
