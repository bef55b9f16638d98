/**
 * For developing against a large mesh: the synthetic 1,000-service exporter and
 * a real Prometheus scraping it, until interrupted. Prints Prometheus's URL.
 * Run: npx tsx bench/graph/serve.ts
 */
import { startPrometheus } from "../../server/testing/prometheus";
import { startSyntheticExporter } from "./exporter";
import { syntheticMesh } from "./synthetic";

const exporter = await startSyntheticExporter(syntheticMesh());
const prom = await startPrometheus([`127.0.0.1:${exporter.port}`], "5s");
console.log(`PROMETHEUS_URL=${prom.url} (${exporter.seriesCount} series)`);
const stop = async () => {
  await prom.stop();
  exporter.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
