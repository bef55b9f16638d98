import { type MeshSnapshot, selects } from "../mesh/model";
import { validateAgainstCrd } from "../translate/crd";

/**
 * Checks of Istio objects read from a cluster, against each other and the mesh: the CRD schema
 * (as for generated objects) and the cross-object checks Kiali runs on these kinds, each an SX4xx
 * code that docs/VALIDATION.md maps to its KIA counterpart. Pure.
 */
export interface LiveFinding {
  code: string;
  /** Kiali's code for the same check, where it has one. */
  kiali?: string;
  severity: "error" | "warning";
  message: string;
  path: string;
}

export type IstioObject = { apiVersion: string; kind: string; metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

type Json = Record<string, unknown>;
const arr = <T = Json>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** A host as Istio resolves it from a namespace: short names are the namespace's services. */
export function fqdn(host: string, namespace: string, domain = "cluster.local"): string {
  if (host.includes("*")) return host;
  const parts = host.split(".");
  if (parts.length === 1) return `${host}.${namespace}.svc.${domain}`;
  if (parts.length === 2) return `${host}.svc.${domain}`;
  return host;
}

const hostMatches = (pattern: string, host: string) => (pattern.startsWith("*") ? host.endsWith(pattern.slice(1)) : pattern === host);

export function checkIstioObjects(objects: IstioObject[], mesh: MeshSnapshot): Map<string, LiveFinding[]> {
  const out = new Map<string, LiveFinding[]>();
  const key = (o: IstioObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
  const add = (o: IstioObject, f: LiveFinding) => out.set(key(o), [...(out.get(key(o)) ?? []), f]);
  const serviceHosts = new Set(mesh.services.map((s) => s.hostname));
  const entryHosts = objects.filter((o) => o.kind === "ServiceEntry").flatMap((o) => arr<string>(o.spec?.hosts));
  const known = (host: string) => serviceHosts.has(host) || entryHosts.some((h) => hostMatches(h, host));
  const drs = objects.filter((o) => o.kind === "DestinationRule");
  const gateways = objects.filter((o) => o.kind === "Gateway");
  const podLabels = mesh.endpoints.map((e) => ({ namespace: e.namespace, labels: e.labels }));
  const workloadLabels = [...podLabels, ...mesh.workloads.map((w) => ({ namespace: w.namespace, labels: w.labels }))];

  for (const o of objects) {
    for (const p of validateAgainstCrd(o)) add(o, { code: "SX401", severity: "error", message: `does not match the ${o.kind} CRD schema: ${p.message}`, path: p.path });
  }

  const subsetsOf = (host: string) => new Set(drs.filter((d) => fqdn(String(d.spec?.host ?? ""), d.metadata.namespace) === host).flatMap((d) => arr(d.spec?.subsets).map((s) => String(s.name))));
  const vsHosts = new Map<string, IstioObject[]>();
  for (const vs of objects.filter((o) => o.kind === "VirtualService")) {
    const ns = vs.metadata.namespace;
    const gws = arr<string>(vs.spec?.gateways);
    for (const [i, g] of gws.entries()) {
      if (g === "mesh") continue;
      const [gns, gname] = g.includes("/") ? g.split("/") : [ns, g];
      if (!gateways.some((x) => x.metadata.namespace === gns && x.metadata.name === gname)) add(vs, { code: "SX404", kiali: "KIA1102", severity: "error", message: `the gateway ${gns}/${gname} does not exist`, path: `spec.gateways[${i}]` });
    }
    if (gws.length === 0 || gws.includes("mesh")) for (const h of arr<string>(vs.spec?.hosts)) vsHosts.set(fqdn(h, ns), [...(vsHosts.get(fqdn(h, ns)) ?? []), vs]);
    for (const proto of ["http", "tcp", "tls"] as const) {
      for (const [ri, rule] of arr(vs.spec?.[proto]).entries()) {
        const route = arr(rule.route);
        const seen = new Set<string>();
        for (const [di, dw] of route.entries()) {
          const dest = (dw.destination ?? {}) as { host?: string; subset?: string };
          const path = `spec.${proto}[${ri}].route[${di}]`;
          if (!dest.host) continue;
          const host = fqdn(dest.host, ns);
          if (!known(host)) add(vs, { code: "SX402", kiali: "KIA1101", severity: "error", message: `the destination host ${dest.host} is not a service of the mesh nor a ServiceEntry host`, path: `${path}.destination.host` });
          else if (dest.subset && !subsetsOf(host).has(dest.subset)) add(vs, { code: "SX403", kiali: "KIA1107", severity: "warning", message: `no DestinationRule for ${host} defines the subset ${dest.subset}: requests routed to it fail (503 NR)`, path: `${path}.destination.subset` });
          const hs = `${host}|${dest.subset ?? ""}`;
          if (seen.has(hs)) add(vs, { code: "SX411", kiali: "KIA1105", severity: "warning", message: `${dest.host}${dest.subset ? ` subset ${dest.subset}` : ""} is already a destination of this route`, path });
          seen.add(hs);
        }
        if (route.length === 1 && typeof route[0]!.weight === "number" && route[0]!.weight !== 100) add(vs, { code: "SX410", kiali: "KIA1104", severity: "warning", message: `the only destination has weight ${String(route[0]!.weight)}; Istio sends it 100%`, path: `spec.${proto}[${ri}].route[0].weight` });
      }
    }
  }
  for (const [host, list] of vsHosts) {
    if (list.length < 2) continue;
    for (const vs of list) add(vs, { code: "SX405", kiali: "KIA1106", severity: "warning", message: `${list.length} VirtualServices route ${host} (${list.map((x) => `${x.metadata.namespace}/${x.metadata.name}`).join(", ")}): Istio merges them in no defined order`, path: "spec.hosts" });
  }

  const drBySubset = new Map<string, IstioObject[]>();
  for (const dr of drs) {
    const host = fqdn(String(dr.spec?.host ?? ""), dr.metadata.namespace);
    if (!known(host)) add(dr, { code: "SX406", kiali: "KIA0202", severity: "error", message: `the host ${String(dr.spec?.host)} is not a service of the mesh nor a ServiceEntry host`, path: "spec.host" });
    const svc = mesh.services.find((s) => s.hostname === host);
    for (const [i, s] of arr(dr.spec?.subsets).entries()) {
      const labels = (s.labels ?? {}) as Record<string, string>;
      if (svc && Object.keys(labels).length > 0) {
        const pods = mesh.endpoints.filter((e) => e.namespace === svc.namespace && selects(svc.selector, e.labels));
        if (!pods.some((e) => selects(labels, e.labels))) add(dr, { code: "SX407", kiali: "KIA0203", severity: "error", message: `no pod of ${svc.name} has the labels of subset ${String(s.name)} (${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(", ")})`, path: `spec.subsets[${i}].labels` });
      }
      const k = `${host}|${String(s.name)}`;
      drBySubset.set(k, [...(drBySubset.get(k) ?? []), dr]);
    }
  }
  for (const [k, list] of drBySubset) {
    if (list.length < 2) continue;
    for (const dr of list) add(dr, { code: "SX408", kiali: "KIA0201", severity: "warning", message: `${list.length} DestinationRules define the subset ${k.split("|")[1]} of ${k.split("|")[0]}`, path: "spec.subsets" });
  }

  for (const gw of gateways) {
    const selector = (gw.spec?.selector ?? {}) as Record<string, string>;
    if (Object.keys(selector).length && !podLabels.some((p) => selects(selector, p.labels))) add(gw, { code: "SX409", kiali: "KIA0302", severity: "warning", message: `no workload has the labels ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(", ")}: this Gateway configures no proxy`, path: "spec.selector" });
  }
  for (const o of objects.filter((x) => x.kind === "Sidecar" || x.kind === "EnvoyFilter")) {
    const sel = ((o.spec?.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
    if (Object.keys(sel).length && !workloadLabels.some((w) => w.namespace === o.metadata.namespace && selects(sel, w.labels))) add(o, { code: "SX412", kiali: "KIA0004", severity: "warning", message: `no workload in ${o.metadata.namespace} has the labels ${Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(", ")}`, path: "spec.workloadSelector.labels" });
  }
  return out;
}
