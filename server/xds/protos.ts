import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import protobuf from "protobufjs";

/**
 * Envoy's xDS v3 message types, loaded from the .proto files the
 * @grpc/grpc-js-xds package ships (deps/envoy-api, deps/xds, deps/googleapis,
 * deps/protoc-gen-validate), not hand-copied. Used to encode resources into
 * google.protobuf.Any and to check that every field survives the round trip.
 */
export const TYPE = {
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  endpoint: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
  hcm: "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  router: "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
  fault: "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
  localRateLimit: "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
  rateLimit: "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
  originalDst: "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst",
  typedStruct: "type.googleapis.com/udpa.type.v1.TypedStruct",
  httpProtocolOptions: "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
  tcpProxy: "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
  previousHosts: "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate",
} as const;

export function depsDir(): string {
  const pkg = createRequire(path.join(process.cwd(), "package.json")).resolve("@grpc/grpc-js-xds/package.json");
  return path.join(path.dirname(pkg), "deps");
}

export function includeDirs(): string[] {
  const deps = depsDir();
  // google/protobuf/*.proto (descriptor.proto for options) ship with protobufjs.
  const wellKnown = path.dirname(createRequire(path.join(process.cwd(), "package.json")).resolve("protobufjs/package.json"));
  return [...["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => path.join(deps, d)), wellKnown];
}

const FILES = [
  "envoy/service/discovery/v3/ads.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/filters/http/fault/v3/fault.proto",
  "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto",
  "envoy/extensions/filters/http/ratelimit/v3/rate_limit.proto",
  "envoy/extensions/filters/listener/original_dst/v3/original_dst.proto",
  "udpa/type/v1/typed_struct.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
  "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto",
  "envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto",
];

let root: protobuf.Root | undefined;

export function envoyRoot(): protobuf.Root {
  if (root) return root;
  const dirs = includeDirs();
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    for (const d of dirs) {
      const p = path.join(d, target);
      try {
        fs.accessSync(p);
        return p;
      } catch {
        /* next include dir */
      }
    }
    return target;
  };
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

export function messageType(typeUrl: string): protobuf.Type {
  return envoyRoot().lookupType(typeUrl.replace(/^type\.googleapis\.com\//, ""));
}

/** A resource as google.protobuf.Any: {type_url, value}. Unknown fields are an error, not silently dropped. */
export function toAny(typeUrl: string, obj: Record<string, unknown>): { type_url: string; value: Buffer } {
  const type = messageType(typeUrl);
  const problem = unknownFields(type, obj, "");
  if (problem) throw new Error(`${typeUrl}: ${problem}`);
  const message = type.fromObject(obj);
  return { type_url: typeUrl, value: Buffer.from(type.encode(message).finish()) };
}

/** protobufjs fromObject drops misspelled fields silently; this finds them first. */
export function unknownFields(type: protobuf.Type, obj: unknown, at: string): string | undefined {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  if (type.fullName === ".google.protobuf.Any") return undefined;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const field = type.fields[k];
    if (!field) return `unknown field ${at}${k}`;
    field.resolve();
    if (field.resolvedType instanceof protobuf.Type) {
      const items = Array.isArray(v) ? v : field.map ? Object.values(v as object) : [v];
      for (const [i, item] of items.entries()) {
        const p = unknownFields(field.resolvedType, item, `${at}${k}${Array.isArray(v) ? `[${i}]` : ""}.`);
        if (p) return p;
      }
    }
  }
  return undefined;
}

const WRAPPERS = new Set(["DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue", "StringValue", "BytesValue"].map((n) => `.google.protobuf.${n}`));
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * Protobuf JSON (what Istio reads in an EnvoyFilter's typed_config: durations
 * as "60s", wrappers as plain values, lowerCamel or original field names,
 * Any as {"@type": ..., fields}) -> the plain object protobufjs encodes.
 * A udpa TypedStruct is resolved to its real type, so an Any here always
 * decodes as the Envoy message it names. Unknown fields, enum values and
 * malformed durations are errors naming their path.
 */
export function fromProtoJson(typeUrl: string, json: unknown): Record<string, unknown> {
  return convert(messageType(typeUrl), json, typeUrl.replace(/^.*\//, "")) as Record<string, unknown>;
}

/** An Any from protobuf JSON with "@type" (or a TypedStruct naming its real type). */
export function anyFromProtoJson(json: Record<string, unknown>, at = ""): { type_url: string; value: Buffer } {
  const { "@type": typeUrl, ...rest } = json;
  if (typeof typeUrl !== "string") throw new Error(`${at || "(root)"}: an Any needs "@type"`);
  if (typeUrl === TYPE.typedStruct) {
    if (typeof rest.type_url !== "string") throw new Error(`${at}type_url: a TypedStruct needs type_url`);
    return anyFromProtoJson({ "@type": rest.type_url, ...((rest.value as Record<string, unknown>) ?? {}) }, `${at}value.`);
  }
  const type = messageType(typeUrl);
  const obj = convert(type, rest, at) as Record<string, unknown>;
  return { type_url: typeUrl, value: Buffer.from(type.encode(type.fromObject(obj)).finish()) };
}

function convert(type: protobuf.Type, json: unknown, at: string): unknown {
  const name = type.fullName;
  if (name === ".google.protobuf.Duration") {
    const m = typeof json === "string" ? /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
    if (!m) throw new Error(`${at}: a duration must be written like "60s" or "0.5s", got ${JSON.stringify(json)}`);
    return { seconds: Number(m[1]), nanos: m[2] ? Number(m[2].padEnd(9, "0")) * (m[1]!.startsWith("-") ? -1 : 1) : 0 };
  }
  if (WRAPPERS.has(name)) {
    if (json !== null && typeof json === "object") throw new Error(`${at}: a ${name.slice(17)} is written as a plain value, got an object`);
    return { value: json };
  }
  if (name === ".google.protobuf.Any") return anyFromProtoJson(json as Record<string, unknown>, `${at}.`);
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new Error(`${at}: expected an object for ${name.slice(1)}`);
  const out: Record<string, unknown> = {};
  const byJsonName = new Map(Object.values(type.fields).flatMap((f) => [[f.name, f] as const, [camel(f.name), f] as const]));
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    const field = byJsonName.get(k);
    const path = at ? `${at}.${k}` : k;
    if (!field) throw new Error(`${path}: unknown field of ${name.slice(1)}`);
    field.resolve();
    const one = (x: unknown, p: string): unknown => {
      if (field.resolvedType instanceof protobuf.Type) return convert(field.resolvedType, x, p);
      if (field.resolvedType instanceof protobuf.Enum) {
        if (typeof x === "string" && !(x in field.resolvedType.values)) throw new Error(`${p}: ${JSON.stringify(x)} is not one of ${Object.keys(field.resolvedType.values).join(", ")}`);
        return x;
      }
      return x;
    };
    if (field.map) out[field.name] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([mk, mv]) => [mk, one(mv, `${path}.${mk}`)]));
    else if (field.repeated) {
      if (!Array.isArray(v)) throw new Error(`${path}: expected a list`);
      out[field.name] = v.map((x, i) => one(x, `${path}[${i}]`));
    } else out[field.name] = one(v, path);
  }
  return out;
}
