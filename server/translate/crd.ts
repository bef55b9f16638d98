import fs from "node:fs";
import path from "node:path";
import { celEnv, parse, plan } from "@bufbuild/cel";
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

/** Istio's CRDs and Slime's SmartLimiter CRD (slime-io/slime 043e38df95fa). */
const CRD_FILES = ["istio-crd-all.gen.yaml", "microservice.slime.io_smartlimiters.yaml"].map((f) => path.join(process.cwd(), "server", "translate", "crds", f));

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

/**
 * What is parsed and compiled once per process, shared by every copy of this module: Next.js
 * bundles the runtime (which warms the validators at start) and each route apart, and a copy
 * compiling its own on a route's first write stalled the server for most of a second.
 */
const SHARED = Symbol.for("sextant.crd-validators");
const shared = ((globalThis as { [SHARED]?: CrdShared })[SHARED] ??= { programs: new Map(), ajv: undefined, documents: undefined });
interface CrdShared {
  programs: Map<string, (bindings: { self: never }) => unknown>;
  ajv: Ajv | undefined;
  documents: Map<string, CrdDocument> | undefined;
}

/** Each CEL rule parsed and planned once (parsing on every object cost about a millisecond per rule). */
const programs = shared.programs;
function program(rule: string): (bindings: { self: never }) => unknown {
  let p = programs.get(rule);
  if (!p) {
    const planned = plan(celEnv(), parse(rule)) as (bindings: { self: never }) => unknown;
    p = (bindings: { self: never }) => {
      try {
        return planned(bindings);
      } catch (e) {
        return e;
      }
    };
    programs.set(rule, p);
  }
  return p;
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
          ok = program(r.rule)({ self: data as never });
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

/**
 * One CRD document of the vendored files, parsed only when a kind it defines is
 * first validated: parsing all of Istio's CRDs (about 1 MB of YAML) took 0.6 s
 * of one event-loop turn, most of it for kinds Sextant never validates.
 */
interface CrdDocument {
  text: string;
  /** Compiled validators by version name, once parsed; each compiles on first use. */
  versions?: Map<string, ValidateFunction & { compile(): void; isCompiled(): boolean }>;
}


/** The vendored CRD documents keyed by "group/Kind", found by their text alone (no parsing). */
function index(): Map<string, CrdDocument> {
  if (shared.documents) return shared.documents;
  const out = new Map<string, CrdDocument>();
  for (const file of CRD_FILES) {
    for (const text of fs.readFileSync(file, "utf8").split(/^---[ \t]*$/m)) {
      const group = /^ {2}group: ["']?([\w.-]+)["']?\s*$/m.exec(text)?.[1];
      const kind = /^ {4}kind: ["']?(\w+)["']?\s*$/m.exec(text)?.[1];
      if (group && kind && /^kind: CustomResourceDefinition\s*$/m.test(text)) out.set(`${group}/${kind}`, { text });
    }
  }
  shared.documents = out;
  return out;
}

function parsed(doc: CrdDocument): Map<string, ValidateFunction & { compile(): void; isCompiled(): boolean }> {
  if (doc.versions) return doc.versions;
  const crd = YAML.parse(doc.text) as { spec: { versions: { name: string; schema?: { openAPIV3Schema: unknown } }[] } };
  const out = new Map<string, ValidateFunction & { compile(): void; isCompiled(): boolean }>();
  for (const v of crd.spec.versions) {
    if (!v.schema) continue;
    const schema = strict(v.schema.openAPIV3Schema) as AnySchema;
    let compiled: ValidateFunction | undefined;
    const validate = ((data: unknown) => {
      compiled ??= (shared.ajv ??= newAjv()).compile(schema);
      const ok = compiled(data);
      validate.errors = compiled.errors;
      return ok;
    }) as ValidateFunction & { compile(): void; isCompiled(): boolean };
    validate.compile = () => void (compiled ??= (shared.ajv ??= newAjv()).compile(schema));
    validate.isCompiled = () => compiled !== undefined;
    out.set(v.name, validate);
  }
  doc.versions = out;
  return out;
}

/** The validator of "group/version" + kind, e.g. "networking.istio.io/v1" VirtualService. */
function validatorOf(apiVersion: string, kind: string): (ValidateFunction & { compile(): void; isCompiled(): boolean }) | undefined {
  const slash = apiVersion.lastIndexOf("/");
  const doc = index().get(`${apiVersion.slice(0, slash)}/${kind}`);
  return doc ? parsed(doc).get(apiVersion.slice(slash + 1)) : undefined;
}

/**
 * The work of making the given kinds' validators ready, cut into steps of a
 * few hundred milliseconds at most (parse one document, compile one schema),
 * so a caller can run them one per event-loop turn instead of stalling it.
 */
/** The validators compiled so far in this process ("group/Kind@version"), whichever copy of this module compiled them. */
export function compiledValidators(): string[] {
  const out: string[] = [];
  for (const [key, doc] of shared.documents ?? []) for (const [version, v] of doc.versions ?? []) if (v.isCompiled()) out.push(`${key}@${version}`);
  return out.sort();
}

export function crdWarmUpSteps(kinds: { apiVersion: string; kind: string }[]): (() => void)[] {
  return kinds.flatMap(({ apiVersion, kind }) => [() => void validatorOf(apiVersion, kind), () => validatorOf(apiVersion, kind)?.compile()]);
}

/** Problems of one object against its CRD schema; empty when valid. */
export function validateAgainstCrd(obj: { apiVersion: string; kind: string; metadata?: unknown; spec?: unknown }): SchemaProblem[] {
  const validate = validatorOf(obj.apiVersion, obj.kind);
  if (!validate) return [{ path: "", message: `no CRD schema for ${obj.apiVersion} ${obj.kind}` }];
  // The CRD schema describes spec (and status); apiVersion, kind and metadata are the API server's own.
  // As the API server does, null values of fields that are not nullable are pruned first.
  const rest = { spec: pruneNulls(obj.spec) };
  if (validate(rest)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: e.instancePath.replace(/^\//, "").replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".") || "(root)",
    message: e.keyword === "additionalProperties" ? `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"` : (e.message ?? e.keyword),
  }));
}

function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (!v || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v as Json).flatMap(([k, x]) => (x === null ? [] : [[k, pruneNulls(x)]])));
}
