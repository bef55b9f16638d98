import { messageType } from "./protos";

/**
 * A proxy's configuration as an operator reads it (istioctl proxy-config):
 * every nested google.protobuf.Any decoded in place, shown as Envoy's
 * config_dump shows it ({"@type": ..., ...fields}), and a table per type with
 * the key fields. Pure.
 */

type Json = unknown;
const TO_OBJECT = { longs: String, enums: String, bytes: String, defaults: false } as const;

/** Decodes one encoded message of `typeUrl`, then every Any inside it. */
export function decodeResource(typeUrl: string, value: Uint8Array): Json {
  const msg = messageType(typeUrl);
  return decodeAnys(msg.toObject(msg.decode(value), TO_OBJECT));
}

/**
 * Replaces each {type_url, value} (an Any, bytes as base64) with its decoded
 * message under "@type"; an Any of a type Sextant does not know stays as it is.
 */
export function decodeAnys(x: Json): Json {
  if (Array.isArray(x)) return x.map(decodeAnys);
  if (!x || typeof x !== "object") return x;
  const o = x as Record<string, Json>;
  if (typeof o.type_url === "string" && typeof o.value === "string" && Object.keys(o).length === 2) {
    try {
      const msg = messageType(o.type_url);
      return { "@type": o.type_url, ...(decodeAnys(msg.toObject(msg.decode(Buffer.from(o.value, "base64")), TO_OBJECT)) as object) };
    } catch {
      return o;
    }
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeAnys(v)]));
}

export interface ConfigTable {
  columns: string[];
  rows: string[][];
}

type Obj = Record<string, unknown>;
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Obj)[k] : undefined), o);
const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
const duration = (d: unknown) => (d && typeof d === "object" ? `${Number(get(d, "seconds") ?? 0) + Number(get(d, "nanos") ?? 0) / 1e9}s` : "");

/** The table istioctl proxy-config shows for this type, from decoded resources (decodeAnys). */
export function configTable(type: "listener" | "route" | "cluster" | "endpoint", resources: Json[]): ConfigTable {
  switch (type) {
    case "listener":
      return { columns: ["Name", "Address", "Port", "Destination"], rows: resources.map(listenerRow) };
    case "route":
      return { columns: ["Route config", "Virtual host", "Domains", "Match", "Destination"], rows: resources.flatMap(routeRows) };
    case "cluster":
      return { columns: ["Service FQDN", "Port", "Subset", "Direction", "Type", "Load balancing", "Connect timeout"], rows: resources.map(clusterRow) };
    case "endpoint":
      return { columns: ["Endpoint", "Status", "Cluster"], rows: resources.flatMap(endpointRows) };
  }
}

function listenerRow(l: Json): string[] {
  const name = str(get(l, "name"));
  const api = get(l, "api_listener", "api_listener") as Obj | undefined;
  if (api) return [name, "(api listener)", "", destinationOfHcm(api)];
  const sock = get(l, "address", "socket_address");
  const chains = [...((get(l, "filter_chains") as Obj[] | undefined) ?? []), ...(get(l, "default_filter_chain") ? [get(l, "default_filter_chain") as Obj] : [])];
  const dests = chains.flatMap((c) => ((c.filters as Obj[] | undefined) ?? []).map((f) => destinationOfFilter(f.typed_config as Obj | undefined)));
  return [name, str(get(sock, "address")), str(get(sock, "port_value")), [...new Set(dests.filter(Boolean))].join(", ") || "-"];
}

function destinationOfFilter(cfg: Obj | undefined): string {
  if (!cfg) return "";
  if (typeof cfg.cluster === "string") return `Cluster: ${cfg.cluster}`;
  return destinationOfHcm(cfg);
}

function destinationOfHcm(hcm: Obj): string {
  const rds = get(hcm, "rds", "route_config_name");
  if (rds) return `Route: ${str(rds)}`;
  if (get(hcm, "route_config")) return "Inline route";
  return "";
}

function routeRows(rc: Json): string[][] {
  const name = str(get(rc, "name"));
  const hosts = (get(rc, "virtual_hosts") as Obj[] | undefined) ?? [];
  return hosts.flatMap((vh) => {
    const domains = (vh.domains as string[] | undefined) ?? [];
    const shown = domains.length > 3 ? `${domains.slice(0, 3).join(", ")} + ${domains.length - 3} more` : domains.join(", ");
    const routes = (vh.routes as Obj[] | undefined) ?? [];
    return routes.map((r) => [name, str(vh.name), shown, matchOf(r.match as Obj | undefined), actionOf(r)]);
  });
}

function matchOf(m: Obj | undefined): string {
  if (!m) return "";
  const path = m.prefix !== undefined ? `${str(m.prefix) || "/"}*` : m.path !== undefined ? str(m.path) : m.safe_regex ? `~${str(get(m, "safe_regex", "regex"))}` : "/*";
  const headers = ((m.headers as Obj[] | undefined) ?? []).map((h) => `${str(h.name)}${h.invert_match ? "≠" : "="}${JSON.stringify(h.string_match ?? h.present_match ?? "")}`);
  return [path, ...headers].join(" ");
}

function actionOf(r: Obj): string {
  const route = r.route as Obj | undefined;
  if (!route) return r.direct_response ? `direct response ${str(get(r, "direct_response", "status"))}` : "";
  if (route.cluster) return str(route.cluster);
  const wc = ((get(route, "weighted_clusters", "clusters") as Obj[] | undefined) ?? []).map((c) => `${str(c.name)} (${str(get(c, "weight", "value"))})`);
  return wc.join(", ");
}

function clusterRow(c: Json): string[] {
  const name = str(get(c, "name"));
  // Istio's names: direction|port|subset|host.
  const [direction, port, subset, host] = name.includes("|") ? name.split("|") : ["", "", "", name];
  return [host ?? name, port ?? "", subset ?? "", direction ?? "", str(get(c, "type")) || "EDS", str(get(c, "lb_policy")) || "ROUND_ROBIN", duration(get(c, "connect_timeout"))];
}

function endpointRows(cla: Json): string[][] {
  const cluster = str(get(cla, "cluster_name"));
  const groups = (get(cla, "endpoints") as Obj[] | undefined) ?? [];
  return groups.flatMap((g) =>
    ((g.lb_endpoints as Obj[] | undefined) ?? []).map((e) => {
      const sock = get(e, "endpoint", "address", "socket_address");
      return [`${str(get(sock, "address"))}:${str(get(sock, "port_value"))}`, str(e.health_status) || "HEALTHY", cluster];
    }),
  );
}
