import { describe, expect, it } from "vitest";
import { quietLog } from "../testing/databases";
import { AutoExporter } from "./auto-export";

/** Auto-export at shutdown: the export under way finishes (a commit is not cut off), no further one starts. */
describe("auto-export", () => {
  it("stop() waits for the export under way and starts no other", async () => {
    const done: string[] = [];
    let release: () => void = () => {};
    const exporter = new AutoExporter({
      targets: async () => ["a", "b"],
      exportTo: async (id) => {
        if (id === "a") await new Promise<void>((r) => (release = r));
        done.push(id);
      },
      log: quietLog,
    });
    const run = exporter.runNow();
    await new Promise((r) => setTimeout(r, 20));
    let stopped = false;
    const stopping = exporter.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    await run;
    expect(done).toEqual(["a"]);
    exporter.trigger();
    await exporter.runNow();
    expect(done).toEqual(["a"]);
  });
});
