import fs from "node:fs";
import path from "node:path";
import { run } from "@bufbuild/cel";
import { Ajv, type AnySchema, type ValidateFunction } from "ajv";
import YAML from "yaml";

/**
 * Validates objects against Istio's own CRD schemas (the openAPIV3Schema of
 * each CRD version, from crds/istio-crd-all.gen.yaml), as the API server would
 * with strict field validation:
 *  - JSON Schema by Ajv; unknown fields are rejected unless the schema says
 *    x-kubernetes-preserve-unknown-fields;
 *  - x-kubernetes-validations: CEL rules, evaluated with @bufbuild/cel
 *    (transition rules that read oldSelf do not apply to a new object);
 *  - x-kubernetes-list-type set/map: items (or their map keys) unique;
 *  - x-kubernetes-int-or-string: the schema's anyOf already says it.
 */
export interface SchemaProblem {
  path: string;
  message: string;
}

const CRD_FILE = path.join(process.cwd(), "server", "translate", "crds", "istio-crd-all.gen.yaml");

type Json = Record<string, unknown>;

/** Makes a structural schema strict: objects with listed properties accept no others. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== "object") return schema;
  const s: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) s[k] = k === "enum" || k === "x-kubernetes-validations" ? v : strict(v);
  if (s.type === "object" && s.properties && s.additionalProperties === undefined && !s["x-kubernetes-preserve-unknown-fields"]) s.additionalProperties = false;
  return s;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  ajv.addKeyword({ keyword: "x-kubernetes-int-or-string" });
  ajv.addKeyword({ keyword: "x-kubernetes-preserve-unknown-fields" });
  ajv.addKeyword({ keyword: "x-kubernetes-list-map-keys" });
  ajv.addKeyword({
    keyword: "x-kubernetes-list-type",
    validate: function listType(this: unknown, type: string, data: unknown, parent?: Json) {
      if (!Array.isArray(data) || (type !== "set" && type !== "map")) return true;
      const keys = (parent?.["x-kubernetes-list-map-keys"] as string[] | undefined) ?? [];
      const id = (x: unknown) => JSON.stringify(type === "map" ? keys.map((k) => (x as Json)?.[k]) : x);
      const seen = new Set<string>();
      for (const item of data) {
        const k = id(item);
        if (seen.has(k)) {
          (listType as unknown as { errors: unknown[] }).errors = [{ keyword: "x-kubernetes-list-type", message: `has duplicate ${type === "map" ? `key ${k}` : `item ${k}`}`, params: {} }];
          return false;
        }
        seen.add(k);
      }
      return true;
    },
  });
  ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    validate: function cel(this: unknown, rules: { rule: string; message?: string }[], data: unknown) {
      const failed: string[] = [];
      for (const r of rules) {
        if (/\boldSelf\b/.test(r.rule)) continue;
        let ok: unknown;
        try {
          ok = run(r.rule, { self: data as never });
        } catch (e) {
          ok = e;
        }
        if (ok !== true) failed.push(r.message ?? `failed rule: ${r.rule}`);
      }
      if (failed.length) (cel as unknown as { errors: unknown[] }).errors = failed.map((message) => ({ keyword: "x-kubernetes-validations", message, params: {} }));
      return failed.length === 0;
    },
  });
  return ajv;
}

let validators: Map<string, ValidateFunction> | undefined;

/** Compiled validators keyed by "apiVersion/Kind", e.g. "networking.istio.io/v1/VirtualService". */
function load(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const ajv = newAjv();
  const out = new Map<string, ValidateFunction>();
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(CRD_FILE, "utf8"))) {
    const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: unknown } }[] } };
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) continue;
    for (const v of crd.spec.versions) {
      if (!v.schema) continue;
      const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
      // Compiled lazily: compiling all of Istio's CRDs would cost seconds nobody needs.
      const schema = strict(v.schema.openAPIV3Schema) as AnySchema;
      let compiled: ValidateFunction | undefined;
      const lazy = ((data: unknown) => {
        compiled ??= ajv.compile(schema);
        const ok = compiled(data);
        lazy.errors = compiled.errors;
        return ok;
      }) as ValidateFunction;
      out.set(key, lazy);
    }
  }
  validators = out;
  return out;
}

/** Problems of one object against its CRD schema; empty when valid. */
export function validateAgainstCrd(obj: { apiVersion: string; kind: string; metadata?: unknown; spec?: unknown }): SchemaProblem[] {
  const validate = load().get(`${obj.apiVersion}/${obj.kind}`);
  if (!validate) return [{ path: "", message: `no CRD schema for ${obj.apiVersion} ${obj.kind}` }];
  // The CRD schema describes spec (and status); apiVersion, kind and metadata are the API server's own.
  const rest = { spec: obj.spec };
  if (validate(rest)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: e.instancePath.replace(/^\//, "").replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".") || "(root)",
    message: e.keyword === "additionalProperties" ? `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"` : (e.message ?? e.keyword),
  }));
}
