import { type IntentDraft, intentDraftSchema } from "../../server/intents/schemas";
import type { MeshSnapshot } from "../../server/mesh/model";

/** 1,000 services in 20 namespaces, each with pods of v1, v2, v3, and a traffic-shift intent. */
export function syntheticMesh(services = 1000): { mesh: MeshSnapshot; intents: (v1Weight: number) => IntentDraft[] } {
  const mesh: MeshSnapshot = { revision: 1, namespaces: [], services: [], workloads: [], endpoints: [] };
  for (let i = 0; i < services; i++) {
    const namespace = `ns-${String(i % 20).padStart(2, "0")}`;
    const name = `svc-${String(i).padStart(4, "0")}`;
    mesh.services.push({ namespace, name, hostname: `${name}.${namespace}.svc.cluster.local`, labels: {}, selector: { app: name }, ports: [{ name: "grpc", port: 9080, protocol: "GRPC", targetPortName: "grpc" }] });
    ["v1", "v2", "v3"].forEach((v, k) =>
      mesh.endpoints.push({ namespace, pod: `${name}-${v}-x`, workload: `${name}-${v}`, address: `10.${Math.floor(i / 250)}.${i % 250}.${k + 1}`, ports: [{ name: "grpc", port: 8080 }], labels: { app: name, version: v }, ready: true }),
    );
  }
  mesh.namespaces = [...new Set(mesh.services.map((s) => s.namespace))].sort();
  const intents = (v1Weight: number) =>
    mesh.services.map((s, i) =>
      intentDraftSchema.parse({
        kind: "traffic-shift",
        namespace: s.namespace,
        target: s.name,
        spec: { weights: [{ subset: "v1", weight: i === 0 ? v1Weight : 80 }, { subset: "v2", weight: i === 0 ? 100 - v1Weight : 20 }] },
      }),
    );
  return { mesh, intents };
}
