import type protobuf from "protobufjs";
import { envoyRoot } from "../xds/protos";

/**
 * Envoy's own validation rules, applied outside Envoy: the
 * protoc-gen-validate annotations in Envoy's .proto files (the ones
 * @grpc/grpc-js-xds ships, read with their options by protobufjs), checked
 * on a decoded resource and, recursively, on every nested message and every
 * Any whose type is known. A test helper: it covers the rule kinds Envoy's
 * xDS messages use (string, numbers, enums, durations, repeated, maps,
 * messages, Any, required oneofs, wrappers), which is what Envoy checks
 * before anything else when it receives a resource.
 */
export interface Violation {
  path: string;
  rule: string;
}

type Rules = Record<string, unknown>;

export function validateResource(typeUrl: string, bytes: Uint8Array): Violation[] {
  const type = envoyRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf("/") + 1));
  const out: Violation[] = [];
  validateMessage(type, type.decode(bytes) as unknown as Record<string, unknown>, type.name, out);
  return out;
}

function rulesOf(opts: object | undefined, key = "(validate.rules)"): Rules | undefined {
  const parsed = (opts as { parsedOptions?: Record<string, unknown>[] } | undefined)?.parsedOptions;
  for (const o of Array.isArray(parsed) ? parsed : []) if (key in o) return o[key] as Rules;
  return undefined;
}

function validateMessage(type: protobuf.Type, msg: Record<string, unknown>, path: string, out: Violation[]): void {
  if (rulesOf(type, "(validate.disabled)") || rulesOf(type, "(validate.ignored)")) return;
  for (const oneof of type.oneofsArray) {
    if (rulesOf(oneof, "(validate.required)") && !oneof.fieldsArray.some((f) => isSet(msg[f.name]))) {
      out.push({ path: `${path}.${oneof.name}`, rule: "oneof required" });
    }
  }
  for (const field of type.fieldsArray) {
    // A oneof member's rules apply only when it is the member set (present on the wire).
    if (field.partOf && !Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const value = msg[field.name];
    const rules = rulesOf(field);
    const at = `${path}.${field.name}`;
    if (field.map) {
      const m = (value ?? {}) as Record<string, unknown>;
      if (rules?.map) checkMap(rules.map as Rules, m, at, out);
      field.resolve();
      if (field.resolvedType && "fields" in field.resolvedType) for (const [k, v] of Object.entries(m)) descend(field.resolvedType as protobuf.Type, v, `${at}[${k}]`, out);
      continue;
    }
    if (field.repeated) {
      const list = (value ?? []) as unknown[];
      const r = rules?.repeated as Rules | undefined;
      if (r) {
        if (typeof r.min_items === "number" && list.length < r.min_items) out.push({ path: at, rule: `repeated.min_items ${r.min_items}` });
        if (typeof r.max_items === "number" && list.length > r.max_items) out.push({ path: at, rule: `repeated.max_items ${r.max_items}` });
        if (r.unique && new Set(list.map((x) => JSON.stringify(x))).size !== list.length) out.push({ path: at, rule: "repeated.unique" });
      }
      list.forEach((item, i) => {
        if (r?.items) checkValue(field, r.items as Rules, item, `${at}[${i}]`, out);
        descendField(field, item, `${at}[${i}]`, out);
      });
      continue;
    }
    if (rules) checkValue(field, rules, value, at, out);
    if (isSet(value)) descendField(field, value, at, out);
  }
}

function descendField(field: protobuf.Field, value: unknown, at: string, out: Violation[]): void {
  field.resolve();
  const t = field.resolvedType;
  if (t && "fields" in t) descend(t as protobuf.Type, value, at, out);
}

/** Into a nested message; an Any is decoded as its own type when that type is known. */
function descend(type: protobuf.Type, value: unknown, at: string, out: Violation[]): void {
  if (!value || typeof value !== "object") return;
  if (type.fullName === ".google.protobuf.Any") {
    const any = value as { type_url?: string; value?: Uint8Array };
    if (!any.type_url) return;
    let inner: protobuf.Type;
    try {
      inner = envoyRoot().lookupType(any.type_url.slice(any.type_url.lastIndexOf("/") + 1));
    } catch {
      return; // a type not loaded here: not checked
    }
    validateMessage(inner, inner.decode(any.value ?? new Uint8Array()) as unknown as Record<string, unknown>, `${at}<${inner.name}>`, out);
    return;
  }
  validateMessage(type, value as Record<string, unknown>, at, out);
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

const WRAPPERS = new Set(["DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue", "StringValue", "BytesValue"]);

function checkValue(field: protobuf.Field, rules: Rules, value: unknown, at: string, out: Violation[]): void {
  const msg = rules.message as Rules | undefined;
  field.resolve();
  const t = field.resolvedType;
  if (msg?.required && !isSet(value)) out.push({ path: at, rule: "message.required" });
  // A wrapper's rules apply to the value it wraps, when present.
  const wrapped = t && WRAPPERS.has(t.name) ? (isSet(value) ? (value as { value?: unknown }).value ?? defaultOf(t.name) : undefined) : value;
  if (t && WRAPPERS.has(t.name) && !isSet(value)) return;
  for (const [kind, r] of Object.entries(rules)) {
    const rr = r as Rules;
    switch (kind) {
      case "string": {
        const s = typeof wrapped === "string" ? wrapped : "";
        if (typeof rr.min_len === "number" && [...s].length < rr.min_len) out.push({ path: at, rule: `string.min_len ${rr.min_len}` });
        if (typeof rr.max_len === "number" && [...s].length > rr.max_len) out.push({ path: at, rule: `string.max_len ${rr.max_len}` });
        if (typeof rr.min_bytes === "number" && Buffer.byteLength(s) < rr.min_bytes) out.push({ path: at, rule: `string.min_bytes ${rr.min_bytes}` });
        if (typeof rr.max_bytes === "number" && Buffer.byteLength(s) > rr.max_bytes) out.push({ path: at, rule: `string.max_bytes ${rr.max_bytes}` });
        if (typeof rr.prefix === "string" && !s.startsWith(rr.prefix)) out.push({ path: at, rule: `string.prefix ${rr.prefix}` });
        if (Array.isArray(rr.in) && rr.in.length && !rr.in.includes(s)) out.push({ path: at, rule: "string.in" });
        if (rr.well_known_regex === "HTTP_HEADER_NAME" && s && !(rr.strict === false ? /^[^\0\r\n]*$/ : /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/).test(s)) out.push({ path: at, rule: "string.well_known_regex HTTP_HEADER_NAME" });
        if (rr.well_known_regex === "HTTP_HEADER_VALUE" && !(rr.strict === false ? /^[^\0\r\n]*$/ : /^[^\0-\x08\x0A-\x1F\x7F]*$/).test(s)) out.push({ path: at, rule: "string.well_known_regex HTTP_HEADER_VALUE" });
        break;
      }
      case "uint32":
      case "uint64":
      case "int32":
      case "int64":
      case "double":
      case "float": {
        const n = toNumber(wrapped);
        if (rr.gt !== undefined && !(n > Number(rr.gt))) out.push({ path: at, rule: `${kind}.gt ${rr.gt}` });
        if (rr.gte !== undefined && !(n >= Number(rr.gte))) out.push({ path: at, rule: `${kind}.gte ${rr.gte}` });
        if (rr.lt !== undefined && !(n < Number(rr.lt))) out.push({ path: at, rule: `${kind}.lt ${rr.lt}` });
        if (rr.lte !== undefined && !(n <= Number(rr.lte))) out.push({ path: at, rule: `${kind}.lte ${rr.lte}` });
        if (Array.isArray(rr.in) && rr.in.length && !rr.in.map(Number).includes(n)) out.push({ path: at, rule: `${kind}.in` });
        break;
      }
      case "enum": {
        const e = t && "values" in t ? (t as protobuf.Enum) : undefined;
        const n = typeof value === "number" ? value : 0;
        if (rr.defined_only && e && !Object.values(e.values).includes(n)) out.push({ path: at, rule: "enum.defined_only" });
        if (Array.isArray(rr.not_in) && rr.not_in.includes(n)) out.push({ path: at, rule: "enum.not_in" });
        break;
      }
      case "duration": {
        if (rr.required && !isSet(value)) out.push({ path: at, rule: "duration.required" });
        if (!isSet(value)) break;
        const d = value as { seconds?: number | { toNumber(): number }; nanos?: number };
        const ns = (typeof d.seconds === "object" ? d.seconds.toNumber() : Number(d.seconds ?? 0)) * 1e9 + (d.nanos ?? 0);
        const bound = (b: unknown) => {
          const x = b as { seconds?: number; nanos?: number } | undefined;
          return x ? Number(x.seconds ?? 0) * 1e9 + (x.nanos ?? 0) : undefined;
        };
        const [gt, gte, lt, lte] = [bound(rr.gt), bound(rr.gte), bound(rr.lt), bound(rr.lte)];
        if (gt !== undefined && !(ns > gt)) out.push({ path: at, rule: "duration.gt" });
        if (gte !== undefined && !(ns >= gte)) out.push({ path: at, rule: "duration.gte" });
        if (lt !== undefined && !(ns < lt)) out.push({ path: at, rule: "duration.lt" });
        if (lte !== undefined && !(ns <= lte)) out.push({ path: at, rule: "duration.lte" });
        break;
      }
      case "any": {
        if (rr.required && !isSet(value)) out.push({ path: at, rule: "any.required" });
        const url = (value as { type_url?: string } | undefined)?.type_url;
        if (url && Array.isArray(rr.in) && rr.in.length && !rr.in.includes(url)) out.push({ path: at, rule: "any.in" });
        break;
      }
    }
  }
}

function checkMap(r: Rules, m: Record<string, unknown>, at: string, out: Violation[]): void {
  const n = Object.keys(m).length;
  if (typeof r.min_pairs === "number" && n < r.min_pairs) out.push({ path: at, rule: `map.min_pairs ${r.min_pairs}` });
  if (typeof r.max_pairs === "number" && n > r.max_pairs) out.push({ path: at, rule: `map.max_pairs ${r.max_pairs}` });
  const keys = (r.keys as Rules | undefined)?.string as Rules | undefined;
  if (keys) for (const k of Object.keys(m)) if (typeof keys.min_len === "number" && k.length < keys.min_len) out.push({ path: `${at}[${k}]`, rule: `map.keys.string.min_len ${keys.min_len}` });
}

function toNumber(v: unknown): number {
  if (v && typeof v === "object" && "toNumber" in v) return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

function defaultOf(wrapper: string): unknown {
  return wrapper === "StringValue" ? "" : wrapper === "BoolValue" ? false : 0;
}
