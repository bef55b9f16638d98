import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { intentDraftSchema } from "../intents/schemas";
import { validateAgainstCrd } from "../translate/crd";
import { translateAll } from "../translate/translate";
import { tarGz } from "./archive";
import { type ExportObject, exportTree, multiDocument } from "./layout";

/** The export layout, read by the tools that will read it: kubectl kustomize, tar, Istio's CRD schemas. */
const draft = (kind: string, spec: unknown) => intentDraftSchema.parse({ kind, namespace: "bookinfo", target: "reviews", spec });
function objects(v1: number): ExportObject[] {
  const target = { namespace: "bookinfo", name: "reviews", hostname: "reviews.bookinfo.svc.cluster.local", subsets: ["v1", "v2", "v3"] };
  const rendered = translateAll([target], [draft("traffic-shift", { weights: [{ subset: "v1", weight: v1 }, { subset: "v3", weight: 100 - v1 }] })]);
  const ef = { apiVersion: "networking.istio.io/v1alpha3", kind: "EnvoyFilter", metadata: { name: "reviews.bookinfo.ratelimit", namespace: "bookinfo", labels: { "sextant.io/smartlimiter": "reviews" } }, spec: { workloadSelector: { labels: { app: "reviews" } }, configPatches: [] } };
  return [...rendered.map((o) => ({ object: o as never, source: "intent traffic-shift r3" })), { object: ef, source: "smartlimiter reviews r1" }];
}

describe("the GitOps export layout", () => {
  it("one file per object under its namespace, kustomizations listing them, sorted, labelled and annotated", () => {
    const tree = exportTree(objects(10));
    expect([...tree.keys()]).toEqual(["bookinfo/destinationrule-reviews.yaml", "bookinfo/envoyfilter-reviews.bookinfo.ratelimit.yaml", "bookinfo/kustomization.yaml", "bookinfo/virtualservice-reviews.yaml", "kustomization.yaml"]);
    const vs = YAML.parse(tree.get("bookinfo/virtualservice-reviews.yaml")!);
    expect(vs.metadata.labels["app.kubernetes.io/managed-by"]).toBe("sextant");
    expect(vs.metadata.annotations["sextant.io/source"]).toBe("intent traffic-shift r3");
    for (const [p, text] of tree) if (!p.endsWith("kustomization.yaml")) expect(validateAgainstCrd(YAML.parse(text)), p).toEqual([]);
    expect(YAML.parse(tree.get("kustomization.yaml")!).resources).toEqual(["bookinfo"]);
    expect(multiDocument(tree).split("---\n")).toHaveLength(3);
  });

  it("builds with kubectl kustomize into the same objects", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-kustomize-"));
    try {
      for (const [p, text] of exportTree(objects(10))) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), text);
      }
      let out: string;
      try {
        out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
      } catch (e) {
        // kubectl 1.32 is on the project's machines (not in Debian's archive or on npm).
        throw new Error(`kubectl kustomize failed (is kubectl installed?): ${e instanceof Error ? e.message : String(e)}`);
      }
      const built = YAML.parseAllDocuments(out).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
      expect(built.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(["DestinationRule/reviews", "EnvoyFilter/reviews.bookinfo.ratelimit", "VirtualService/reviews"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the .tar.gz of the same state is the same bytes, and tar reads it back as the tree", () => {
    const a = tarGz(exportTree(objects(10)));
    const b = tarGz(exportTree(objects(10)));
    expect(a.equals(b)).toBe(true);
    expect(tarGz(exportTree(objects(20))).equals(a)).toBe(false);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-tar-"));
    try {
      fs.writeFileSync(path.join(dir, "x.tar.gz"), a);
      execFileSync("tar", ["-xzf", "x.tar.gz"], { cwd: dir });
      const tree = exportTree(objects(10));
      for (const [p, text] of tree) expect(fs.readFileSync(path.join(dir, "sextant", p), "utf8")).toBe(text);
      const listing = execFileSync("tar", ["-tvzf", "x.tar.gz"], { cwd: dir, encoding: "utf8" });
      expect(listing).toContain("1970-01-01");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
