import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

describe("configuration", () => {
  it("has embedded defaults: port 3000, embedded database, demo on", () => {
    const c = loadConfig({});
    expect(c).toEqual({
      port: 3000,
      dataDir: path.resolve(".sextant-data"),
      databaseUrl: undefined,
      logLevel: "info",
      demo: { enabled: true, host: "127.0.0.1", metricsPort: 15090, requestsPerSecond: 10, ratingsErrorRate: 0.05, viaXds: true },
      prometheus: undefined,
      gitops: { secretKey: undefined, author: { name: "Sextant operator", email: "operator@sextant.invalid" } },
      auth: { mode: undefined, adminPassword: undefined, sessionIdleMs: 7_200_000, sessionMaxMs: 86_400_000, kubeTokenLogin: false, publicUrl: undefined },
      xds: { host: "127.0.0.1", port: 15010, debounceMs: 100 },
      dataplane: "worker",
      graph: { cacheSeconds: 5, healthRules: [] },
      leader: { election: "alone", lease: { namespace: "default", name: "sextant-leader", holder: undefined } },
      limiter: {
        intervalSeconds: 30,
        windowSeconds: 60,
        handlers: {},
        rls: { cluster: "outbound|18081||rate-limit.istio-system.svc.cluster.local", domain: "slime", configMap: { namespace: "istio-system", name: "rate-limit-config" } },
      },
    });
  });

  it("reads the SmartLimiter settings, and names the bad ones", () => {
    const c = loadConfig({
      SEXTANT_LIMITER_INTERVAL_SECONDS: "5",
      SEXTANT_LIMITER_WINDOW_SECONDS: "15",
      SEXTANT_LIMITER_HANDLERS: '{"queue.depth": "sum(queue_depth{namespace=\\"$namespace\\"})"}',
      SEXTANT_RLS_SERVICE: "ratelimit.infra.svc.cluster.local:8081",
      SEXTANT_RLS_DOMAIN: "mesh",
      SEXTANT_RLS_CONFIGMAP: "infra/ratelimit",
    });
    expect(c.limiter).toEqual({
      intervalSeconds: 5,
      windowSeconds: 15,
      handlers: { "queue.depth": 'sum(queue_depth{namespace="$namespace"})' },
      rls: { cluster: "outbound|8081||ratelimit.infra.svc.cluster.local", domain: "mesh", configMap: { namespace: "infra", name: "ratelimit" } },
    });
    expect(() => loadConfig({ SEXTANT_LIMITER_INTERVAL_SECONDS: "0", SEXTANT_LIMITER_HANDLERS: '{"Bad Name": "x"}', SEXTANT_RLS_SERVICE: "nohost" })).toThrow(
      /SEXTANT_LIMITER_INTERVAL_SECONDS="0": must be between 1 and 3600 seconds[\s\S]*SEXTANT_LIMITER_HANDLERS=.*Bad Name: [\s\S]*SEXTANT_RLS_SERVICE="nohost": must be host:port/,
    );
  });

  it("elects a leader by a Lease with a cluster, by an advisory lock without, alone on the embedded database; names impossible choices", () => {
    const db = { DATABASE_URL: "postgresql://sextant@db:5432/sextant" };
    expect(loadConfig({}).leader.election).toBe("alone");
    expect(loadConfig(db).leader.election).toBe("postgres");
    const inPod = loadConfig({ ...db, KUBERNETES_SERVICE_HOST: "10.0.0.1", POD_NAMESPACE: "sextant", POD_NAME: "sextant-7d9f-abcde" });
    expect(inPod.leader).toEqual({ election: "lease", lease: { namespace: "sextant", name: "sextant-leader", holder: "sextant-7d9f-abcde" } });
    expect(loadConfig({ ...db, KUBERNETES_SERVICE_HOST: "10.0.0.1", SEXTANT_LEADER_ELECTION: "postgres", SEXTANT_LEASE_NAMESPACE: "ops", SEXTANT_LEASE_NAME: "console" }).leader).toEqual({ election: "postgres", lease: { namespace: "ops", name: "console", holder: undefined } });
    expect(() => loadConfig({ SEXTANT_LEADER_ELECTION: "lease" })).toThrow(/SEXTANT_LEADER_ELECTION="lease": electing a leader needs replicas sharing one PostgreSQL[\s\S]*a Kubernetes Lease needs a cluster/);
    expect(() => loadConfig({ ...db, SEXTANT_LEADER_ELECTION: "raft", SEXTANT_LEASE_NAME: "Bad_Name" })).toThrow(/SEXTANT_LEADER_ELECTION="raft": must be auto, lease or postgres[\s\S]*SEXTANT_LEASE_NAME="Bad_Name"/);
  });

  it("reads every variable", () => {
    const c = loadConfig({
      PORT: "8080",
      SEXTANT_DATA_DIR: "/var/lib/sextant",
      DATABASE_URL: "postgresql://sextant:secret@db:5432/sextant",
      SEXTANT_LOG_LEVEL: "debug",
      SEXTANT_DEMO: "off",
      SEXTANT_DEMO_HOST: "0.0.0.0",
      SEXTANT_DEMO_METRICS_PORT: "0",
      SEXTANT_DEMO_RPS: "2.5",
      SEXTANT_DEMO_RATINGS_ERROR_RATE: "0",
    });
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe("/var/lib/sextant");
    expect(c.databaseUrl).toBe("postgresql://sextant:secret@db:5432/sextant");
    expect(c.demo).toEqual({ enabled: false, host: "0.0.0.0", metricsPort: 0, requestsPerSecond: 2.5, ratingsErrorRate: 0, viaXds: true });
  });

  it("reads Prometheus and graph settings", () => {
    const c = loadConfig({
      PROMETHEUS_URL: "http://prometheus:9090",
      PROMETHEUS_TIMEOUT_MS: "2000",
      SEXTANT_GRAPH_CACHE_SECONDS: "0",
      SEXTANT_HEALTH_CONFIG: '[{"namespace":"prod","tolerance":[{"code":"^5..$","degraded":1,"failure":5}]}]',
    });
    expect(c.prometheus).toEqual({ url: "http://prometheus:9090", timeoutMs: 2000 });
    expect(c.graph.cacheSeconds).toBe(0);
    expect(c.graph.healthRules).toEqual([{ namespace: "prod", kind: ".*", name: ".*", tolerance: [{ code: "^5..$", protocol: "http|grpc", degraded: 1, failure: 5 }] }]);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: " " }).port).toBe(3000);
    expect(loadConfig({ DATABASE_URL: "" }).databaseUrl).toBeUndefined();
  });

  it.each([
    ["PORT", "http", "PORT=\"http\": must be a number"],
    ["PORT", "70000", "must be between 0 and 65535"],
    ["PORT", "80.5", "must be a whole number"],
    ["DATABASE_URL", "mysql://x@y/z", "must be a PostgreSQL URL"],
    ["DATABASE_URL", "not a url", "must be a PostgreSQL URL"],
    ["SEXTANT_DEMO", "maybe", "must be one of true, false"],
    ["SEXTANT_LOG_LEVEL", "loud", "must be one of debug, info, warn, error"],
    ["SEXTANT_DEMO_RPS", "5000", "between 0 and 1000"],
    ["SEXTANT_DEMO_RATINGS_ERROR_RATE", "1.5", "fraction between 0 and 1"],
    ["PROMETHEUS_URL", "prometheus:9090", "must be an http(s) URL"],
    ["PROMETHEUS_TIMEOUT_MS", "10", "between 100 and 120000 ms"],
    ["SEXTANT_NAMESPACES", "bookinfo,Bad_NS", "each namespace must be a DNS label"],
    ["SEXTANT_SECRET_KEY", "short", "must be 32 bytes"],
    ["SEXTANT_GIT_AUTHOR", "no email", "must be Name <email>"],
    ["SEXTANT_KUBE", "sometimes", "must be auto, on or off"],
    ["SEXTANT_NAMESPACE_SELECTOR", "a=b;rm", "must be a Kubernetes label selector"],
    ["SEXTANT_HEALTH_CONFIG", "{not json", "must be JSON"],
    ["SEXTANT_HEALTH_CONFIG", '[{"tolerance":[{"code":"5..","degraded":0,"failure":"x"}]}]', "[0].tolerance[0].failure"],
    ["SEXTANT_HEALTH_CONFIG", '[{"name":"(","tolerance":[{"code":"5..","degraded":0,"failure":1}]}]', "[0].name: must be a valid regular expression"],
  ])("rejects %s=%s naming the variable and what is allowed", (variable, value, expected) => {
    const err = (() => {
      try {
        loadConfig({ [variable]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.problems.map((p) => p.variable)).toEqual([variable]);
    expect(e.message).toContain(`${variable}=`);
    expect(e.message).toContain(expected);
  });

  it("xDS: mTLS needs certificate, key and CA together; plaintext only on loopback unless insisted on; the demo's proxies stay off mTLS", () => {
    const partial = () => loadConfig({ SEXTANT_XDS_TLS_CERT: "/c.pem" });
    expect(partial).toThrow(/SEXTANT_XDS_TLS_KEY=\(unset\): mTLS for xDS needs the certificate, the key and the CA together/);
    expect(partial).toThrow(/SEXTANT_XDS_TLS_CA=/);
    expect(() => loadConfig({ SEXTANT_XDS_HOST: "0.0.0.0" })).toThrow(/SEXTANT_XDS_HOST="0.0.0.0": a plaintext xDS server/);
    expect(loadConfig({ SEXTANT_XDS_HOST: "0.0.0.0", SEXTANT_XDS_INSECURE: "true" }).xds.tls).toBeUndefined();
    const tls = loadConfig({ SEXTANT_XDS_HOST: "0.0.0.0", SEXTANT_XDS_TLS_CERT: "/c.pem", SEXTANT_XDS_TLS_KEY: "/k.pem", SEXTANT_XDS_TLS_CA: "/ca.pem" });
    expect(tls.xds.tls).toEqual({ cert: "/c.pem", key: "/k.pem", ca: "/ca.pem", trustDomain: "cluster.local" });
    expect(tls.demo.viaXds).toBe(false);
    expect(() => loadConfig({ SEXTANT_XDS_TLS_CERT: "/c.pem", SEXTANT_XDS_TLS_KEY: "/k.pem", SEXTANT_XDS_TLS_CA: "/ca.pem", SEXTANT_DEMO_XDS: "true" })).toThrow(/SEXTANT_DEMO_XDS="true": the demo mesh's proxies have no client certificates/);
  });

  it("sign-in with a Kubernetes token needs a cluster, and turns sign-in on", () => {
    expect(() => loadConfig({ SEXTANT_KUBE_TOKEN_LOGIN: "true" })).toThrow(/SEXTANT_KUBE_TOKEN_LOGIN="true": sign-in with a Kubernetes token needs a cluster/);
    const c = loadConfig({ SEXTANT_KUBE_TOKEN_LOGIN: "true", KUBECONFIG: "/k" });
    expect(c.auth).toMatchObject({ kubeTokenLogin: true, mode: "local" });
  });

  it("reports every bad variable at once", () => {
    const err = (() => {
      try {
        loadConfig({ PORT: "-1", SEXTANT_DEMO: "perhaps" });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.problems.map((p) => p.variable).sort()).toEqual(["PORT", "SEXTANT_DEMO"]);
  });

  it("a cluster (KUBECONFIG or in a pod) turns the demo off unless it is asked for; both can run", () => {
    expect(loadConfig({}).kube).toBeUndefined();
    expect(loadConfig({}).demo.enabled).toBe(true);
    const c = loadConfig({ KUBECONFIG: "/k/config", SEXTANT_KUBE_CONTEXT: "prod", SEXTANT_NAMESPACES: "bookinfo, shop" });
    expect(c.kube).toEqual({ kubeconfig: "/k/config", context: "prod", inCluster: false, namespaces: ["bookinfo", "shop"], namespaceSelector: undefined });
    expect(c.demo.enabled).toBe(false);
    expect(loadConfig({ KUBECONFIG: "/k/config", SEXTANT_DEMO: "true" }).demo.enabled).toBe(true);
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: "10.96.0.1" }).kube?.inCluster).toBe(true);
    expect(loadConfig({ KUBECONFIG: "/k/config", SEXTANT_KUBE: "off" }).kube).toBeUndefined();
  });
});
