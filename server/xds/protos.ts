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
