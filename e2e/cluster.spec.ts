import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

/**
 * A Sextant pointed at a Kubernetes cluster (the API test double holding Bookinfo, in its own
 * process: scripts/kube-double.ts), as an operator meets it: the cluster's services, an apply
 * previewed with the server's dry-run diff and then applied, the object shown as Sextant's, a
 * kubectl edit shown as drift with its diff, and a forced re-apply that clears it.
 */
const NEXT = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");
const TSX = path.join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

let dir: string;
let double: ChildProcess;
let sextant: ChildProcess;
let cluster: string;
let base: string;
let output = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-cluster-e2e-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  double = spawn(process.execPath, [TSX, "scripts/kube-double.ts", kubeconfig], { stdio: ["ignore", "pipe", "inherit"] });
  cluster = await new Promise<string>((resolve, reject) => {
    double.stdout!.once("data", (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url));
    double.once("exit", (code) => reject(new Error(`the test double exited (${code})`)));
  });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  sextant = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, KUBECONFIG: kubeconfig, SEXTANT_KUBE: "auto", SEXTANT_DATA_DIR: path.join(dir, "data"), SEXTANT_XDS_PORT: "0", SEXTANT_DEMO_METRICS_PORT: "0", SEXTANT_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  sextant.stdout!.on("data", (d) => (output += d));
  sextant.stderr!.on("data", (d) => (output += d));
  await expect
    .poll(async () => {
      const h = (await (await fetch(`${base}/api/health`).catch(() => undefined))?.json().catch(() => undefined)) as { checks?: { kubernetes?: { status: string } } } | undefined;
      return h?.checks?.kubernetes?.status;
    }, { timeout: 90_000 })
    .toBe("ok");
});

test.afterAll(async () => {
  sextant?.kill("SIGTERM");
  double?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  fs.rmSync(dir, { recursive: true, force: true });
});

const kube = (p: string, init: RequestInit = {}) => fetch(`${cluster}${p}`, { ...init, headers: { Authorization: "Bearer sextant-token", ...(init.headers ?? {}) } });

test("the cluster's Bookinfo is the mesh: its 4 services, no demo", async ({ page }) => {
  await page.goto(`${base}/services`);
  for (const s of ["details", "productpage", "ratings", "reviews"]) await expect(page.getByRole("link", { name: s, exact: true })).toBeVisible();
  const health = await (await fetch(`${base}/api/health`)).json();
  expect(health.checks.registry.sources.map((s: { name: string }) => s.name)).toEqual(["kubernetes"]);
  await page.goto(`${base}/cluster`);
  await expect(page.getByTestId("informer-pods")).toContainText("synced");
});

test("apply: the dry-run diff first, then the apply, then the object shown as Sextant's; a kubectl edit is drift, a forced re-apply clears it", async ({ page }) => {
  test.setTimeout(120_000);
  const put = await fetch(`${base}/api/intents`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "bookinfo", target: "reviews", spec: { weights: [{ subset: "v1", weight: 90 }, { subset: "v2", weight: 10 }] } }, expectedRevision: 0 }) });
  expect(put.status).toBe(200);

  await page.goto(`${base}/cluster`);
  await page.getByRole("button", { name: "Preview apply" }).click();
  const vs = page.getByTestId("plan-VirtualService-reviews");
  await expect(vs).toContainText("create");
  await expect(vs.getByTestId("diff")).toContainText("+          weight: 90");
  expect((await kube("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews")).status).toBe(404);
  await page.getByRole("button", { name: /^Apply \d+ changes?$/ }).click();
  const dialog = page.getByRole("dialog", { name: /Apply to cluster test-double\?/ });
  await expect(dialog).toContainText("create VirtualService bookinfo/reviews");
  await dialog.getByRole("button", { name: /^Apply/ }).click();
  await expect(page.getByTestId("apply-results")).toContainText("applied");
  const live = await (await kube("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews")).json();
  expect(live.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);

  await page.goto(`${base}/objects`);
  const card = page.getByTestId("live-VirtualService-reviews");
  await expect(card).toContainText("managed by Sextant");
  await expect(card.getByTestId("sync-state")).toHaveText("in sync");

  // Someone edits the weights with kubectl edit.
  const edit = await kube("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews?fieldManager=kubectl-edit", { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { http: [{ route: [{ destination: { host: "reviews", subset: "v1" }, weight: 50 }, { destination: { host: "reviews", subset: "v2" }, weight: 50 }] }] } }) });
  expect(edit.status).toBe(200);
  await expect(card.getByTestId("sync-state")).toHaveText("drifted (edited by kubectl-edit)", { timeout: 30_000 });
  await expect(card.getByTestId("diff")).toContainText("weight: 50");

  await card.getByRole("link", { name: /Re-apply/ }).click();
  await page.getByRole("button", { name: "Preview apply" }).click();
  await expect(page.getByTestId("plan-VirtualService-reviews")).toContainText("conflict");
  await expect(page.getByTestId("plan-VirtualService-reviews")).toContainText('"kubectl-edit" owns .spec.http');
  await page.getByLabel(/Take over the conflicting fields/).check();
  await expect(page.getByTestId("plan-VirtualService-reviews")).toContainText("update");
  await page.getByRole("button", { name: /^Apply \d+ changes?$/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: /^Apply/ }).click();
  await expect(page.getByTestId("apply-results")).toContainText("applied");
  const back = await (await kube("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews")).json();
  expect(back.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);
  await page.goto(`${base}/objects`);
  await expect(page.getByTestId("live-VirtualService-reviews").getByTestId("sync-state")).toHaveText("in sync");
});

test("auto-apply, turned on for a namespace after a confirmation: a new revision reaches the cluster and the Intents page says so", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`${base}/cluster`);
  const card = page.getByTestId("auto-apply");
  // The box stays unticked until the confirmation.
  await card.getByRole("checkbox", { name: "bookinfo" }).click();
  const dialog = page.getByRole("dialog", { name: /Auto-apply bookinfo to cluster test-double\?/ });
  await dialog.getByRole("button", { name: "Turn auto-apply on" }).click();
  await expect(card.getByRole("checkbox", { name: "bookinfo" })).toBeChecked();

  const list = await (await fetch(`${base}/api/intents?namespace=bookinfo&target=reviews`)).json();
  const current = list.intents.find((i: { kind: string }) => i.kind === "traffic-shift");
  const put = await fetch(`${base}/api/intents`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: { kind: "traffic-shift", namespace: "bookinfo", target: "reviews", spec: { weights: [{ subset: "v1", weight: 70 }, { subset: "v2", weight: 30 }] } }, expectedRevision: current.revision }) });
  expect(put.status).toBe(200);
  const revision = (await put.json()).intent.revision;
  await expect
    .poll(async () => ((await (await kube("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews")).json()).spec.http[0].route as { weight: number }[]).map((r) => r.weight), { timeout: 30_000 })
    .toEqual([70, 30]);
  await page.goto(`${base}/intents`);
  await expect(page.getByTestId("intent-reviews-traffic-shift").getByTestId("cluster-state")).toHaveText(`applied at revision ${revision}`);
});
