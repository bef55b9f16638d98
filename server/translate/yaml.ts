import YAML from "yaml";
import type { RenderedObject } from "./istio";

/** Objects -> one YAML stream, in the order given (callers sort), same bytes for the same objects. */
export function toYaml(objects: RenderedObject[]): string {
  return objects.map((o) => YAML.stringify(o, { lineWidth: 0, indentSeq: true })).join("---\n");
}
