/**
 * Rendering every object for 1,000 services with 3 intents each (traffic
 * shift, fault injection for a header match, timeouts and retries): intents
 * -> VirtualServices and DestinationRules -> one YAML stream. Also reported:
 * checking every rendered object against Istio's CRD schemas (CEL rules
 * included), which the API does per host when it previews or applies.
 * Run: npx tsx bench/translate/run.ts
 */
import { type IntentDraft, intentDraftSchema } from "../../server/intents/schemas";
import { validateAgainstCrd } from "../../server/translate/crd";
import { type ServiceTarget, translateAll } from "../../server/translate/translate";
import { toYaml } from "../../server/translate/yaml";
import { recordResult, stats } from "../lib/results";

const SERVICES = 1000;
const services: ServiceTarget[] = [];
const intents: IntentDraft[] = [];
for (let i = 0; i < SERVICES; i++) {
  const namespace = `ns-${String(i % 20).padStart(2, "0")}`;
  const name = `svc-${String(i).padStart(4, "0")}`;
  services.push({ namespace, name, hostname: `${name}.${namespace}.svc.cluster.local`, subsets: ["v1", "v2", "v3"] });
  const d = (kind: string, spec: unknown) => intents.push(intentDraftSchema.parse({ kind, namespace, target: name, spec }));
  d("traffic-shift", { weights: [{ subset: "v1", weight: 80 - (i % 30) }, { subset: "v2", weight: 10 + (i % 30) }, { subset: "v3", weight: 10 }] });
  d("fault-injection", { match: [{ headers: { "x-test": { exact: `user-${i}` } } }], delay: { fixedDelay: "2s", percentage: 50 } });
  d("timeouts-retries", { timeout: "3s", retries: { attempts: 2, perTryTimeout: "1s", retryOn: ["5xx", "reset"] } });
}

let yaml = "";
const render = () => {
  const t = performance.now();
  yaml = toYaml(translateAll(services, intents));
  return performance.now() - t;
};
for (let i = 0; i < 3; i++) render();
const times = Array.from({ length: 20 }, render);
const r = stats(times);
const objects = translateAll(services, intents);
const t0 = performance.now();
validateAgainstCrd(objects[0]!); // compiles the schemas once
const compileMs = performance.now() - t0;
const t1 = performance.now();
let problems = 0;
for (const o of objects) problems += validateAgainstCrd(o).length;
const validateMs = performance.now() - t1;
if (problems) throw new Error(`${problems} schema problems`);
console.log(`render: ${objects.length} objects (${(yaml.length / 1e6).toFixed(1)} MB of YAML) p50 ${r.p50.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}); CRD validation of all: ${validateMs.toFixed(0)} ms (+${compileMs.toFixed(0)} ms to compile the schemas once)`);
recordResult("Translate", [
  `Command: \`npx tsx bench/translate/run.ts\`. ${SERVICES} services in 20 namespaces, 3 intents each (traffic shift, fault injection for a header match, timeouts and retries) -> ${objects.length} objects -> one YAML stream (${(yaml.length / 1e6).toFixed(1)} MB). 20 runs after 3 warm-up runs. Target: under 200 ms.`,
  "",
  "| measure | p50 | min | max |",
  "|---|---|---|---|",
  `| intents -> objects -> YAML | ${r.p50.toFixed(1)} ms | ${r.min.toFixed(1)} ms | ${r.max.toFixed(1)} ms |`,
  `| CRD schema validation of all ${objects.length} objects (once; the API validates per host) | ${validateMs.toFixed(0)} ms | | |`,
]);
