import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { decideMode } from "../auth/policy";
import { configSchema, loadConfig } from "../config";

/**
 * deploy/kubernetes: the Kustomize overlays build (kubectl kustomize, kubectl 1.32), and what they
 * describe would start and be probed correctly: every environment variable is one Sextant reads
 * and the configuration it forms is valid, the probes ask routes that exist, ports and selectors
 * line up, the pod runs as non-root on a read-only root filesystem.
 */
type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; roleRef?: { name: string }; subjects?: { kind: string; name: string; namespace: string }[] };
type Container = { env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[]; ports: { name: string; containerPort: number }[]; securityContext: Record<string, unknown>; readinessProbe: Probe; livenessProbe: Probe; startupProbe: Probe; volumeMounts: { mountPath: string }[] };
type Probe = { httpGet: { path: string; port: string } };

const build = (overlay: string): Obj[] =>
  YAML.parseAllDocuments(execFileSync("kubectl", ["kustomize", path.join("deploy", "kubernetes", "overlays", overlay)], { encoding: "utf8" })).map((d) => d.toJS() as Obj);

for (const overlay of ["demo", "production"]) {
  describe(`the ${overlay} overlay`, () => {
    const objects = build(overlay);
    const one = (kind: string, name?: string) => objects.find((o) => o.kind === kind && (!name || o.metadata.name === name))!;
    const deployment = one("Deployment");
    const pod = (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; securityContext: Record<string, unknown>; containers: Container[] } } }).template;
    const c = pod.spec.containers[0]!;

    it("sets only variables Sextant reads, and they form a valid configuration that may listen beyond loopback", () => {
      const known = new Set(Object.keys(configSchema.shape));
      for (const e of c.env) expect(known, e.name).toContain(e.name);
      // Secrets as an operator would fill them in.
      const secret: Record<string, string> = { "admin-password": "a long admin password", "secret-key": "ab".repeat(32), url: "postgresql://sextant:pw@postgres:5432/sextant" };
      // The downward API's fields, and what the kubelet sets in every pod.
      const fields: Record<string, string> = { "metadata.name": "sextant-7d9f8c6b5-x2kqz", "metadata.namespace": deployment.metadata.namespace! };
      const value = (e: Container["env"][number]) => e.value ?? (e.valueFrom?.secretKeyRef ? secret[e.valueFrom.secretKeyRef.key]! : fields[e.valueFrom!.fieldRef!.fieldPath]!);
      const env = { ...Object.fromEntries(c.env.map((e) => [e.name, value(e)])), KUBERNETES_SERVICE_HOST: "10.96.0.1" };
      const config = loadConfig(env);
      // The image runs `next start -H 0.0.0.0`: sign-in must be configured, or it would refuse to start.
      expect(decideMode(config.auth.mode, "0.0.0.0")).toBe("local");
      if (overlay === "production") expect(config.xds.tls).toBeDefined();
      if (overlay === "production") expect(config.databaseUrl).toContain("postgres");
      // Replicas on one PostgreSQL elect their leader by a Lease in their own namespace; on the embedded database, one replica leads alone.
      const replicas = (deployment.spec as { replicas: number }).replicas;
      if (overlay === "production") {
        expect(replicas).toBe(3);
        expect(config.leader).toEqual({ election: "lease", lease: { namespace: deployment.metadata.namespace, name: "sextant-leader", holder: "sextant-7d9f8c6b5-x2kqz" } });
      } else {
        expect(replicas).toBe(1);
        expect(config.leader.election).toBe("alone");
      }
    });

    it("binds the Lease Role to the service account in the namespace the Lease is kept in", () => {
      const role = one("Role", "sextant-leader-election");
      const binding = one("RoleBinding", "sextant-leader-election");
      expect(role.metadata.namespace).toBe(deployment.metadata.namespace);
      expect(binding.metadata.namespace).toBe(deployment.metadata.namespace);
      expect(binding.roleRef!.name).toBe(role.metadata.name);
      const sa = one("ServiceAccount");
      expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    });

    it("probes ask routes that exist: liveness /api/health, readiness /api/ready", () => {
      expect([c.startupProbe.httpGet.path, c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(["/api/health", "/api/health", "/api/ready"]);
      for (const p of ["/api/health", "/api/ready"]) expect(fs.existsSync(path.join("app", p, "route.ts")), p).toBe(true);
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) expect(c.ports.map((p) => p.name)).toContain(probe.httpGet.port);
    });

    it("ports, services, selectors and the service account line up", () => {
      const defaults = configSchema.parse({});
      expect(Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]))).toEqual({ http: defaults.PORT, xds: defaults.SEXTANT_XDS_PORT });
      for (const svc of objects.filter((o) => o.kind === "Service")) {
        const spec = svc.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
        for (const [k, v] of Object.entries(spec.selector)) expect(pod.metadata.labels[k]).toBe(v);
        for (const p of spec.ports) expect(c.ports.map((x) => x.name)).toContain(p.targetPort);
      }
      for (const kind of ["PodDisruptionBudget", "NetworkPolicy"]) {
        const sel = (one(kind).spec as { selector?: { matchLabels: Record<string, string> }; podSelector?: { matchLabels: Record<string, string> } });
        for (const [k, v] of Object.entries((sel.selector ?? sel.podSelector)!.matchLabels)) expect(pod.metadata.labels[k]).toBe(v);
      }
      const sa = one("ServiceAccount");
      expect(pod.spec.serviceAccountName).toBe(sa.metadata.name);
      const binding = one("ClusterRoleBinding");
      expect(binding.roleRef!.name).toBe(one("ClusterRole").metadata.name);
      expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    });

    it("runs as non-root with a read-only root filesystem and no capabilities, writing only to its volumes", () => {
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      const mounts = c.volumeMounts.map((m) => m.mountPath);
      const dataDir = c.env.find((e) => e.name === "SEXTANT_DATA_DIR")!.value!;
      for (const writable of [dataDir, "/tmp"]) expect(mounts).toContain(writable);
    });
  });
}
