import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { limiterRecords } from "../limiter/service";
import { embeddedTestDatabase } from "../testing/databases";
import { loadBookinfo } from "../testing/kube-api/bookinfo";
import { KubeApiDouble } from "../testing/kube-api/server";
import { replay, transcript } from "../testing/kube-api/transcripts";
import { KubeClient } from "./client";
import { importSmartLimiters } from "./import-limiters";
import { kubeConfigFor } from "../testing/kubeconfig";

/**
 * Taking over from Slime: the SmartLimiters a real API server stored (transcript 09: created with
 * camelCase and with snake_case names) are imported as Sextant's limiters.
 */
const dbs = embeddedTestDatabase();
let api: KubeApiDouble;
beforeEach(async () => {
  api = new KubeApiDouble({ tokens: { "admin-token": "admin" } });
  await api.start();
  loadBookinfo(api);
  // The recorded POSTs of SmartLimiters, sent to the double as they were sent to the real server.
  for (const x of transcript("09-smartlimiter-fields.json").filter((s) => s.step.startsWith("POST SmartLimiter with"))) await replay(api.url, x, { admin: "admin-token" });
});
afterEach(() => api.stop());
afterAll(() => dbs.cleanup());

describe("importing the cluster's SmartLimiters", () => {
  it("imports camelCase and snake_case limiters alike, then finds them unchanged", async () => {
    const db = await dbs.open();
    const client = new KubeClient(kubeConfigFor(api.url));
    const evaluated: string[] = [];
    const first = await importSmartLimiters(client, db.prisma, ["bookinfo"], "operator", async (l) => void evaluated.push(l.limiter.metadata.name));
    expect(first.results.map((r) => `${r.name}:${r.outcome}`)).toEqual(["reviews-camel:imported", "reviews-snake:imported"]);
    // What Slime ignores is ignored with a note, not refused: an unknown field, a route on an inbound target.
    expect(first.results[0]!.notes).toEqual([
      "ignored the unknown field spec.extraTopLevelCamel, as Slime ignores it",
      'spec.sets._base.descriptor[0].target.route is ignored for an inbound target, as Slime ignores it: the limit applies to the port\'s inbound route "default"',
    ]);
    const records = await limiterRecords(db.prisma);
    const spec = (name: string) => records.find((r) => r.limiter.metadata.name === name)!.limiter.spec;
    // The same limiter whichever spelling it was written in.
    expect(spec("reviews-camel").sets).toEqual(spec("reviews-snake").sets);
    expect(spec("reviews-camel").workloadSelector).toEqual({ app: "reviews" });
    expect(evaluated).toEqual(["reviews-camel", "reviews-snake"]);
    const again = await importSmartLimiters(client, db.prisma, ["bookinfo"], "operator", async () => undefined);
    expect(again.results.map((r) => r.outcome)).toEqual(["unchanged", "unchanged"]);
  });

  it("a cluster without Slime's CRD says so", async () => {
    await api.stop();
    api = new KubeApiDouble({ crds: { slime: false } });
    await api.start();
    const db = await dbs.open();
    const r = await importSmartLimiters(new KubeClient(kubeConfigFor(api.url)), db.prisma, ["bookinfo"], "operator", async () => undefined);
    expect(r).toEqual({ results: [], unavailable: "Slime's microservice.slime.io CRDs (SmartLimiter) are not installed (404 on smartlimiters.microservice.slime.io)" });
  });
});
