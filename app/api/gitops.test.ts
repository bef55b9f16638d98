import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, stopRuntime } from "@/server/runtime";
import { GET as exportRoute } from "./gitops/export/route";
import { PUT as applyIntent } from "./intents/route";
import { PUT as applyLimiter } from "./limiters/route";
import { POST as commit } from "./gitops/targets/[id]/commit/route";
import { PUT as updateTarget } from "./gitops/targets/[id]/route";
import { POST as compareTarget } from "./gitops/targets/[id]/compare/route";
import { POST as compareArchive } from "./gitops/compare/route";
import { GET as history } from "./gitops/targets/[id]/exports/route";
import { POST as previewExport } from "./gitops/targets/[id]/preview/route";
import { GET as targets, POST as createTarget } from "./gitops/targets/route";
import { execFileSync } from "node:child_process";
import { setLogLevel } from "@/server/log";
import { startGitHttp } from "@/server/testing/git-http";
import { startSshGit } from "@/server/testing/ssh-git";
import { DELETE as deleteTarget } from "./gitops/targets/[id]/route";

/** The GitOps export over a real runtime (embedded database, demo mesh): what a GitOps tool would read. */
const json = (method: string, url: string, body: unknown) => new Request(`http://x${url}`, { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const limiterYaml = fs.readFileSync(path.join(process.cwd(), "server/limiter/testdata/01-single-inbound.yaml"), "utf8");

describe("GitOps export API", () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-gitops-"));
    await startRuntime({ SEXTANT_DATA_DIR: dir, SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "error", SEXTANT_SECRET_KEY: "a".repeat(64) });
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
    // The weight change did not touch the DestinationRule: it still names the revision that made it (so its Git file stays as it was).
    const dr = YAML.parse(files.find((f) => f.path === "default/destinationrule-reviews.yaml")!.text);
    expect(dr.metadata.annotations["sextant.io/source"]).toBe("intent traffic-shift r1");
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

  it("a target: preview per file, commit, history; a stored token is never sent back", async () => {
    const bare = path.join(dir, "repo.git");
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
    const created = await createTarget(json("POST", "/api/gitops/targets", { name: "local", url: bare, branch: "main", path: "mesh" }));
    expect(created.status).toBe(201);
    const id = (await created.json()).target.id as string;
    const p = { params: Promise.resolve({ id }) };
    const preview = await (await previewExport(new Request("http://x", { method: "POST" }), p)).json();
    expect(preview.base).toBe("");
    expect(preview.changes.map((c: { path: string }) => c.path)).toContain("default/virtualservice-reviews.yaml");
    const done = await commit(json("POST", "/x", { base: preview.base }), p);
    expect(done.status).toBe(200);
    const result = await done.json();
    expect(result).toMatchObject({ result: "committed", branch: "main" });
    expect(execFileSync("git", ["log", "--format=%H %an", "-1", "main"], { cwd: bare, encoding: "utf8" }).trim()).toBe(`${result.commit} Sextant operator`);
    // A stale base is refused with the new preview.
    const stale = await commit(json("POST", "/x", { base: "" }), p);
    expect(stale.status).toBe(409);
    expect((await stale.json()).preview.base).toBe(result.commit);
    const h = await (await history(new Request("http://x"), p)).json();
    expect(h.exports[0]).toMatchObject({ commit: result.commit, result: "committed", author: "Sextant operator <operator@sextant.invalid>" });
    // Compare: the branch holds what Sextant generates; an object someone else added is listed as only in Git.
    const other = path.join(dir, "other");
    execFileSync("git", ["clone", "-q", bare, other]);
    fs.writeFileSync(path.join(other, "mesh", "extra.yaml"), "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: edge\n  namespace: default\nspec: {}\n");
    execFileSync("git", ["-c", "user.name=x", "-c", "user.email=x@x", "add", "-A"], { cwd: other });
    execFileSync("git", ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "extra"], { cwd: other });
    execFileSync("git", ["push", "-q", "origin", "HEAD:main"], { cwd: other });
    const cmp = (await (await compareTarget(new Request("http://x", { method: "POST" }), p)).json()).objects as { kind: string; state: string }[];
    expect(cmp.filter((c) => c.state !== "same").map((c) => `${c.kind}: ${c.state}`)).toEqual(["Gateway: only in Git"]);
    // The same from an uploaded archive of Sextant's own export: everything the same.
    const tgz = Buffer.from(await (await exportRoute(new Request("http://x/api/gitops/export?format=tar.gz"))).arrayBuffer());
    const fromArchive = (await (await compareArchive(json("POST", "/api/gitops/compare", { archive: tgz.toString("base64") }))).json()).objects as { state: string }[];
    expect(fromArchive.length).toBeGreaterThan(0);
    expect(fromArchive.every((c) => c.state === "same")).toBe(true);
    const notArchive = await compareArchive(json("POST", "/api/gitops/compare", { archive: Buffer.from("hello").toString("base64") }));
    expect(notArchive.status).toBe(422);
    expect((await notArchive.json()).error.issues[0].path).toBe("body.archive");

    const token = "ghp_should-never-be-shown-123";
    const withToken = await createTarget(json("POST", "/api/gitops/targets", { name: "remote", url: "https://github.com/example/mesh.git", branch: "main", authKind: "token", secret: token }));
    expect(withToken.status).toBe(201);
    const listing = await (await targets(new Request("http://x/api/gitops/targets"))).text();
    expect(listing).not.toContain(token);
    expect(JSON.parse(listing).targets.find((t: { name: string }) => t.name === "remote")).toMatchObject({ authKind: "token", hasSecret: true });
    const bad = await createTarget(json("POST", "/api/gitops/targets", { name: "bad", url: "https://user:pw@github.com/x.git", branch: "main" }));
    expect(bad.status).toBe(400);
  });

  it("auto-export: a burst of changes becomes one commit, authored as an auto-export", async () => {
    const bare = path.join(dir, "auto.git");
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
    const id = (await (await createTarget(json("POST", "/api/gitops/targets", { name: "auto", url: bare, branch: "main" }))).json()).target.id as string;
    const p = { params: Promise.resolve({ id }) };
    expect((await updateTarget(json("PUT", "/x", { autoExport: true }), p)).status).toBe(200);
    const commits = () => {
      try {
        return Number(execFileSync("git", ["rev-list", "--count", "main"], { cwd: bare, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      } catch {
        return 0;
      }
    };
    // Turning it on exports what is in force.
    for (let i = 0; i < 100 && commits() < 1; i++) await new Promise((r) => setTimeout(r, 200));
    expect(commits()).toBe(1);
    const current = (await (await applyIntent(json("PUT", "/api/intents", { intent: { kind: "traffic-shift", namespace: "default", target: "ratings", spec: { weights: [{ subset: "v1", weight: 100 }] } }, expectedRevision: 0 }))).json()).intent.revision as number;
    let rev = current;
    for (const w of [90, 80, 70, 60]) {
      rev = (await (await applyIntent(json("PUT", "/api/intents", { intent: { kind: "traffic-shift", namespace: "default", target: "reviews", spec: { weights: [{ subset: "v1", weight: w }, { subset: "v2", weight: 100 - w }] } }, expectedRevision: rev === current ? 2 : rev }))).json()).intent.revision as number;
    }
    for (let i = 0; i < 100 && commits() < 2; i++) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 3000));
    expect(commits()).toBe(2);
    const h = await (await history(new Request("http://x"), p)).json();
    expect(h.exports[0].author).toBe("Sextant operator <operator@sextant.invalid> (auto-export)");
    expect(execFileSync("git", ["show", "main:default/virtualservice-reviews.yaml"], { cwd: bare, encoding: "utf8" })).toContain("weight: 60");
  }, 60_000);

  it("a stored token never reaches an answer or a log line, even when the push it authenticates fails", async () => {
    const root = path.join(dir, "served");
    fs.mkdirSync(root, { recursive: true });
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", path.join(root, "mesh.git")]);
    const server = await startGitHttp(root, "the-right-token");
    const token = "tok-WRONG-4f9a1c";
    const lines: string[] = [];
    const capture = (stream: NodeJS.WriteStream) => {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        lines.push(String(chunk));
        return write(chunk, ...rest);
      }) as typeof stream.write;
      return () => (stream.write = write);
    };
    const restore = [capture(process.stdout), capture(process.stderr)];
    setLogLevel("debug");
    try {
      const created = await createTarget(json("POST", "/api/gitops/targets", { name: "leaky", url: `${server.url}/mesh.git`, branch: "main", authKind: "token", secret: token }));
      const createdText = await created.text();
      const id = JSON.parse(createdText).target.id as string;
      const p = { params: Promise.resolve({ id }) };
      const answers: string[] = [createdText];
      const preview = await previewExport(new Request("http://x", { method: "POST" }), p);
      answers.push(await preview.text());
      expect(preview.status).toBe(422);
      const done = await commit(json("POST", "/x", { base: "" }), p);
      answers.push(await done.text());
      expect(done.status).toBe(422);
      answers.push(await (await history(new Request("http://x"), p)).text());
      answers.push(await (await targets(new Request("http://x/api/gitops/targets"))).text());
      const everything = [...answers, ...lines].join("\n");
      expect(everything).toMatch(/Authentication failed|401|could not read Username/);
      for (const secret of [token, Buffer.from(`x-access-token:${token}`).toString("base64")]) expect(everything).not.toContain(secret);
    } finally {
      setLogLevel("error");
      restore.forEach((r) => r());
      await server.stop();
    }
  });

  it("SSH with a key: a real sshd on loopback takes the commit; the host key is trusted on first use and a changed one refused; the key is never sent back", async () => {
    const ssh = await startSshGit();
    const bare = path.join(dir, "ssh-served.git");
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
    try {
      const shift = { kind: "traffic-shift", namespace: "default", target: "productpage", spec: { weights: [{ subset: "v1", weight: 100 }] } };
      expect((await applyIntent(json("PUT", "/api/intents", { intent: shift, expectedRevision: 0 }))).status).toBe(200);
      const created = await createTarget(json("POST", "/api/gitops/targets", { name: "over-ssh", url: ssh.url(bare), branch: "main", path: "mesh", authKind: "ssh-key", secret: ssh.privateKey }));
      expect(created.status).toBe(201);
      const createdText = await created.text();
      const id = JSON.parse(createdText).target.id as string;
      const p = { params: Promise.resolve({ id }) };
      const preview = await previewExport(new Request("http://x", { method: "POST" }), p);
      const previewText = await preview.text();
      expect(preview.status, previewText).toBe(200);
      const done = await commit(json("POST", "/x", { base: JSON.parse(previewText).base }), p);
      const doneText = await done.text();
      expect(done.status, doneText).toBe(200);
      expect(execFileSync("git", ["rev-parse", "main"], { cwd: bare, encoding: "utf8" }).trim()).toBe(JSON.parse(doneText).commit);
      expect(ssh.log()).toMatch(/Accepted publickey/);
      // The host key was recorded in Sextant's data directory, and the private key file is gone.
      const known = path.join(dir, "gitops", `${id}.known_hosts`);
      expect(fs.readFileSync(known, "utf8")).toContain(`[127.0.0.1]:${ssh.port}`);
      expect(fs.existsSync(path.join(dir, "gitops", `${id}.key`))).toBe(false);
      const listed = await (await targets(new Request("http://x/api/gitops/targets"))).text();
      const keyBody = ssh.privateKey.split("\n")[1]!;
      for (const text of [createdText, previewText, doneText, listed]) expect(text).not.toContain(keyBody);

      // Another server answering at the same address (a new host key): refused, nothing pushed.
      await ssh.close();
      const impostor = await startSshGit();
      try {
        const recorded = fs.readFileSync(known, "utf8").replaceAll(`[127.0.0.1]:${ssh.port} `, `[127.0.0.1]:${impostor.port} `);
        expect(recorded).toContain(`[127.0.0.1]:${impostor.port} `);
        fs.writeFileSync(known, recorded);
        const other = await createTarget(json("POST", "/api/gitops/targets", { name: "impostor", url: impostor.url(bare), branch: "main", authKind: "ssh-key", secret: impostor.privateKey }));
        const oid = (await other.json()).target.id as string;
        fs.copyFileSync(known, path.join(dir, "gitops", `${oid}.known_hosts`));
        const refused = await previewExport(new Request("http://x", { method: "POST" }), { params: Promise.resolve({ id: oid }) });
        expect(refused.status).toBe(422);
        expect((await refused.json()).error.message).toMatch(/host key/i);
        expect(impostor.log()).not.toMatch(/Accepted publickey/);
      } finally {
        await impostor.close();
      }
      // Removing the target forgets the host key.
      expect((await deleteTarget(new Request("http://x", { method: "DELETE" }), p)).status).toBe(200);
      expect(fs.existsSync(known)).toBe(false);
    } finally {
      await ssh.close();
    }
  }, 60_000);
});
