import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { GET as exportRoute } from "./gitops/export/route";
import { PUT as applyIntent } from "./intents/route";
import { PUT as applyLimiter } from "./limiters/route";

/** The GitOps export over a real runtime (embedded database, demo mesh): what a GitOps tool would read. */
const json = (method: string, url: string, body: unknown) => new Request(`http://x${url}`, { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const limiterYaml = fs.readFileSync(path.join(process.cwd(), "server/limiter/testdata/01-single-inbound.yaml"), "utf8");

describe("GitOps export API", () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-gitops-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error" });
  }, 60_000);
  afterAll(async () => {
    await stopRuntime();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("exports the intents' objects and the limiters' EnvoyFilters, each naming what it came from; the archive is the same bytes twice", async () => {
    const shift = { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: 90 }, { subset: "v2", weight: 10 }] } };
    expect((await applyIntent(json("PUT", "/api/intents", { intent: shift, expectedRevision: 0 }))).status).toBe(200);
    expect((await applyIntent(json("PUT", "/api/intents", { intent: { ...shift, spec: { weights: [{ subset: "v1", weight: 80 }, { subset: "v2", weight: 20 }] } }, expectedRevision: 1 }))).status).toBe(200);
    expect((await applyLimiter(json("PUT", "/api/limiters", { yaml: limiterYaml, expectedRevision: 0 }))).status).toBe(200);
    const files = (await (await exportRoute(new Request("http://x/api/gitops/export"))).json()).files as { path: string; text: string }[];
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(["default/virtualservice-reviews.yaml", "default/kustomization.yaml", "kustomization.yaml"]));
    const vs = YAML.parse(files.find((f) => f.path === "default/virtualservice-reviews.yaml")!.text);
    expect(vs.metadata.annotations["sextant.io/source"]).toBe("intent traffic-shift r2");
    const ef = files.find((f) => f.path.startsWith("default/envoyfilter-"))!;
    expect(YAML.parse(ef.text).metadata.annotations["sextant.io/source"]).toMatch(/^smartlimiter \S+ r1$/);
    const a = await exportRoute(new Request("http://x/api/gitops/export?format=tar.gz"));
    expect(a.headers.get("content-type")).toBe("application/gzip");
    expect(a.headers.get("content-disposition")).toBe('attachment; filename="sextant-export.tar.gz"');
    const b = await exportRoute(new Request("http://x/api/gitops/export?format=tar.gz"));
    expect(Buffer.from(await a.arrayBuffer()).equals(Buffer.from(await b.arrayBuffer()))).toBe(true);
    const yaml = await (await exportRoute(new Request("http://x/api/gitops/export?format=yaml"))).text();
    expect(YAML.parseAllDocuments(yaml).map((d) => (d.toJS() as { kind: string }).kind)).toEqual(expect.arrayContaining(["VirtualService", "EnvoyFilter"]));
  });

  it("refuses an unknown format naming the parameter", async () => {
    const res = await exportRoute(new Request("http://x/api/gitops/export?format=zip"));
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues[0].path).toBe("query.format");
  });
});
