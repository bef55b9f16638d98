import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { intentDraftSchema } from "../intents/schemas";
import { translateAll } from "../translate/translate";
import { tarGz } from "./archive";
import { compareTrees, stripTop, untarGz } from "./compare";
import { type ExportObject, exportTree } from "./layout";

/** Comparing what a directory holds with Sextant's state, object by object, wherever the files put them. */
function objects(v1: number, rev = 3): ExportObject[] {
  const target = { namespace: "bookinfo", name: "reviews", hostname: "reviews.bookinfo.svc.cluster.local", subsets: ["v1", "v2", "v3"] };
  return translateAll([target], [intentDraftSchema.parse({ kind: "traffic-shift", namespace: "bookinfo", target: "reviews", spec: { weights: [{ subset: "v1", weight: v1 }, { subset: "v3", weight: 100 - v1 }] } })]).map((o) => ({ object: o as never, source: `intent traffic-shift r${rev}` }));
}

describe("import and compare", () => {
  it("same, differs, only in Git, only in Sextant — whatever the files are called and however many objects each holds", () => {
    const ours = exportTree(objects(10));
    const vs = ours.get("bookinfo/virtualservice-reviews.yaml")!;
    const theirs = new Map([
      // Someone keeps all their objects in one file, with Sextant's older revision of the VirtualService.
      ["apps/all.yaml", `${exportTree(objects(20, 2)).get("bookinfo/virtualservice-reviews.yaml")}---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: edge\n  namespace: bookinfo\nspec:\n  selector:\n    istio: ingressgateway\n`],
      ["README.md", "not yaml\n"],
    ]);
    const r = compareTrees(theirs, ours);
    expect(r.map((c) => `${c.kind}/${c.name}: ${c.state}${c.file ? ` (${c.file})` : ""}`)).toEqual(["DestinationRule/reviews: only in Sextant", "Gateway/edge: only in Git (apps/all.yaml)", "VirtualService/reviews: differs (apps/all.yaml)"]);
    expect(r.find((c) => c.kind === "VirtualService")!.diff).toMatch(/-\s+weight: 20[\s\S]*\+\s+weight: 10/);
    // A revision number alone (the source annotation) is not a difference.
    expect(compareTrees(new Map([["x.yaml", exportTree(objects(10, 9)).get("bookinfo/virtualservice-reviews.yaml")!]]), new Map([["bookinfo/virtualservice-reviews.yaml", vs]]))[0]!.state).toBe("same");
  });

  it("reads Sextant's own archive and one made by GNU tar from a checkout", () => {
    const tree = exportTree(objects(10));
    const mine = stripTop(untarGz(tarGz(tree)));
    expect([...mine.keys()]).toEqual([...tree.keys()]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-untar-"));
    try {
      const deep = path.join(dir, "repo", "a-rather-long-directory-name-that-goes-on-and-on", "and-on-and-on-past-the-hundred-bytes-of-a-tar-name-field", "bookinfo");
      fs.mkdirSync(deep, { recursive: true });
      fs.writeFileSync(path.join(deep, "vs.yaml"), tree.get("bookinfo/virtualservice-reviews.yaml")!);
      execFileSync("tar", ["-czf", path.join(dir, "x.tar.gz"), "-C", dir, "repo"]);
      const files = untarGz(fs.readFileSync(path.join(dir, "x.tar.gz")));
      const r = compareTrees(files, tree);
      expect(r.find((c) => c.kind === "VirtualService")).toMatchObject({ state: "same", file: expect.stringMatching(/and-on-and-on-past-the-hundred-bytes-of-a-tar-name-field\/bookinfo\/vs\.yaml$/) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => untarGz(Buffer.from("not gzip"))).toThrow(/not a gzip archive/);
  });
});
