import path from "node:path";
import { z } from "zod";
import { type HealthRule, healthConfigSchema } from "./metrics/graph/health";

/**
 * Sextant's configuration, read once from environment variables at start-up.
 * A bad value stops start-up with a message naming the variable and what it
 * accepts (see ConfigError). Every variable is listed in README.md.
 */

const port = (dflt: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be between 0 and 65535 (0 picks a free port)")
    .max(65535, "must be between 0 and 65535 (0 picks a free port)")
    .default(dflt);

const bool = (dflt: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], { error: "must be one of true, false, 1, 0, yes, no, on, off" })
    .default(dflt ? "true" : "false")
    .transform((v) => ["true", "1", "yes", "on"].includes(v));

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname !== "";
    } catch {
      return false;
    }
  }, "must be a PostgreSQL URL such as postgresql://user:password@host:5432/database");

/** A variable holding JSON, checked by `schema` (paths inside it are reported). */
function jsonVariable<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch (e) {
        ctx.addIssue({ code: "custom", message: `must be JSON: ${e instanceof Error ? e.message : String(e)}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const configSchema = z.object({
  PORT: port(3000),
  SEXTANT_DATA_DIR: z.string().trim().min(1, "must not be empty").default(".sextant-data"),
  DATABASE_URL: z.union([z.literal(""), postgresUrl]).optional(),
  SEXTANT_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"], { error: "must be one of debug, info, warn, error" }).default("info"),
  /** Unset: on without a cluster, off with one. */
  SEXTANT_DEMO: z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], { error: "must be one of true, false, 1, 0, yes, no, on, off" })
    .transform((v) => ["true", "1", "yes", "on"].includes(v))
    .optional(),
  KUBECONFIG: z.string().trim().min(1).optional(),
  /** Set by Kubernetes in every pod: the in-cluster service account is used. */
  KUBERNETES_SERVICE_HOST: z.string().trim().optional(),
  SEXTANT_KUBE: z.enum(["auto", "on", "off"], { error: "must be auto, on or off" }).default("auto"),
  SEXTANT_KUBE_CONTEXT: z.string().trim().min(1).optional(),
  SEXTANT_NAMESPACES: z
    .string()
    .transform((v) => v.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "each namespace must be a DNS label such as bookinfo (a comma-separated list)").max(63)).max(200, "at most 200 namespaces"))
    .optional(),
  SEXTANT_NAMESPACE_SELECTOR: z.string().trim().regex(/^[A-Za-z0-9_./!=,()\s-]+$/, "must be a Kubernetes label selector such as istio-injection=enabled").optional(),
  SEXTANT_DEMO_HOST: z.string().trim().min(1, "must not be empty").default("127.0.0.1"),
  SEXTANT_DEMO_METRICS_PORT: port(15090),
  SEXTANT_DEMO_RPS: z.coerce
    .number({ error: "must be a number" })
    .min(0, "must be between 0 and 1000 requests per second")
    .max(1000, "must be between 0 and 1000 requests per second")
    .default(10),
  /** Unset: on, unless the xDS server requires client certificates (the demo's proxies have none). */
  SEXTANT_DEMO_XDS: z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], { error: "must be one of true, false, 1, 0, yes, no, on, off" })
    .transform((v) => ["true", "1", "yes", "on"].includes(v))
    .optional(),
  /** PEM files: the xDS server's certificate and key, and the CA that signs proxies' certificates (mTLS). */
  SEXTANT_XDS_TLS_CERT: z.string().trim().min(1).optional(),
  SEXTANT_XDS_TLS_KEY: z.string().trim().min(1).optional(),
  SEXTANT_XDS_TLS_CA: z.string().trim().min(1).optional(),
  SEXTANT_XDS_TRUST_DOMAIN: z.string().trim().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a trust domain such as cluster.local").default("cluster.local"),
  /** Plaintext xDS on an address other than loopback: only when insisted on. */
  SEXTANT_XDS_INSECURE: bool(false),
  SEXTANT_DATAPLANE: z.enum(["worker", "inline"], { error: "must be worker or inline" }).default("worker"),
  SEXTANT_XDS_HOST: z.string().trim().min(1, "must not be empty").default("127.0.0.1"),
  SEXTANT_XDS_PORT: port(15010),
  SEXTANT_XDS_DEBOUNCE_MS: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be between 0 and 10000 ms").max(10_000, "must be between 0 and 10000 ms").default(100),
  PROMETHEUS_URL: z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === "http:" || u.protocol === "https:";
      } catch {
        return false;
      }
    }, "must be an http(s) URL such as http://prometheus:9090")
    .optional(),
  PROMETHEUS_TIMEOUT_MS: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(100, "must be between 100 and 120000 ms").max(120_000, "must be between 100 and 120000 ms").default(5000),
  SEXTANT_GRAPH_CACHE_SECONDS: z.coerce.number({ error: "must be a number" }).min(0, "must be between 0 and 300 seconds").max(300, "must be between 0 and 300 seconds").default(5),
  SEXTANT_HEALTH_CONFIG: jsonVariable(healthConfigSchema).optional(),
  SEXTANT_LIMITER_INTERVAL_SECONDS: z.coerce.number({ error: "must be a number" }).min(1, "must be between 1 and 3600 seconds").max(3600, "must be between 1 and 3600 seconds").default(30),
  SEXTANT_LIMITER_WINDOW_SECONDS: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(5, "must be between 5 and 3600 seconds").max(3600, "must be between 5 and 3600 seconds").default(60),
  SEXTANT_LIMITER_HANDLERS: jsonVariable(
    z.record(z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, "handler names look like cpu.sum or queue_depth"), z.string().min(1, "must be a PromQL query"), { error: "must be a JSON object of handler name -> PromQL query" }),
  ).optional(),
  SEXTANT_RLS_SERVICE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/, "must be host:port, e.g. rate-limit.istio-system.svc.cluster.local:18081")
    .default("rate-limit.istio-system.svc.cluster.local:18081"),
  SEXTANT_RLS_DOMAIN: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a rate limit domain name").default("slime"),
  SEXTANT_RLS_CONFIGMAP: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, "must be namespace/name").default("istio-system/rate-limit-config"),
  /** 32 bytes (64 hex digits or base64): seals stored secrets (Git tokens and keys). */
  SEXTANT_SECRET_KEY: z
    .string()
    .trim()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, "base64").length === 32, "must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -hex 32)")
    .optional(),
  /** Who Git commits are authored by when nobody is signed in (anonymous access) or a controller exports. */
  SEXTANT_GIT_AUTHOR: z.string().trim().regex(/^[^<>\n]+ <[^<>\s@]+@[^<>\s]+>$/, "must be Name <email>").default("Sextant operator <operator@sextant.invalid>"),
  /** Unset: anonymous on loopback, local users when SEXTANT_ADMIN_PASSWORD is set or users exist elsewhere (see server/auth/policy.ts). */
  SEXTANT_AUTH: z.enum(["anonymous", "local"], { error: "must be anonymous or local" }).optional(),
  SEXTANT_ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").max(256, "must be at most 256 characters").optional(),
  /** OpenID Connect: the provider's issuer URL, this client's id and secret, what maps to roles. */
  SEXTANT_OIDC_ISSUER: z.url({ protocol: /^https?$/, error: "must be the provider's issuer URL, e.g. https://login.example.com/realms/ops" }).optional(),
  SEXTANT_OIDC_CLIENT_ID: z.string().trim().min(1).max(500).optional(),
  SEXTANT_OIDC_CLIENT_SECRET: z.string().min(1).max(1000).optional(),
  SEXTANT_OIDC_SCOPES: z.string().trim().regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, "must be scopes separated by spaces, e.g. openid profile email groups").default("openid profile email"),
  SEXTANT_OIDC_ROLE_CLAIM: z.string().trim().min(1).max(200).default("groups"),
  SEXTANT_OIDC_NAME_CLAIM: z.string().trim().min(1).max(200).default("preferred_username"),
  SEXTANT_OIDC_ROLES: jsonVariable(z.record(z.string().min(1), z.enum(["viewer", "operator", "admin"], { error: "each value must be viewer, operator or admin" }), { error: 'must be a JSON object of claim value -> role, e.g. {"mesh-admins":"admin","sre":"operator"}' })).optional(),
  SEXTANT_OIDC_CLOCK_SKEW_SECONDS: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(-86_400, "must be within a day").max(86_400, "must be within a day").default(0),
  /** Where browsers reach Sextant (for the OpenID Connect redirect URI). */
  SEXTANT_PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be the URL browsers reach Sextant at, e.g. https://sextant.example.com" }).optional(),
  /** With a cluster: sign in with a Kubernetes bearer token; roles from SelfSubjectAccessReview. */
  SEXTANT_KUBE_TOKEN_LOGIN: bool(false),
  SEXTANT_SESSION_IDLE_MINUTES: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be between 1 and 10080 minutes").max(10_080, "must be between 1 and 10080 minutes").default(120),
  SEXTANT_SESSION_MAX_HOURS: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be between 1 and 720 hours").max(720, "must be between 1 and 720 hours").default(24),
  /** Who runs the writers when several replicas share one PostgreSQL: a Kubernetes Lease or an advisory lock (auto: the Lease when a cluster is configured). */
  SEXTANT_LEADER_ELECTION: z.enum(["auto", "lease", "postgres"], { error: "must be auto, lease or postgres" }).default("auto"),
  SEXTANT_LEASE_NAME: z.string().trim().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes object name such as sextant-leader").max(253).default("sextant-leader"),
  /** Where the Lease lives: SEXTANT_LEASE_NAMESPACE, else the pod's namespace (POD_NAMESPACE, from the downward API), else default. */
  SEXTANT_LEASE_NAMESPACE: z.string().trim().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace name such as sextant").max(63).optional(),
  POD_NAMESPACE: z.string().trim().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace name").max(63).optional(),
  /** This replica's name in the Lease (a random suffix is added): the pod name, else the host name. */
  POD_NAME: z.string().trim().regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/, "must be a pod name").max(253).optional(),
  SEXTANT_DEMO_RATINGS_ERROR_RATE: z.coerce
    .number({ error: "must be a number" })
    .min(0, "must be a fraction between 0 and 1")
    .max(1, "must be a fraction between 0 and 1")
    .default(0.05),
});

export interface Config {
  port: number;
  dataDir: string;
  /** Absent: the embedded database under dataDir. */
  databaseUrl: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  /** A Kubernetes cluster to read and write (undefined: none). */
  kube: { kubeconfig: string | undefined; context: string | undefined; inCluster: boolean; namespaces: string[] | undefined; namespaceSelector: string | undefined } | undefined;
  demo: {
    enabled: boolean;
    host: string;
    metricsPort: number;
    requestsPerSecond: number;
    ratingsErrorRate: number;
    /** The demo's calls go through Sextant's own xDS server (proxyless gRPC). */
    viaXds: boolean;
  };
  prometheus: { url: string; timeoutMs: number } | undefined;
  gitops: { secretKey: string | undefined; author: { name: string; email: string } };
  /** Who may do what: `mode` undefined means decided at start from where Sextant listens (server/auth/policy.ts). */
  auth: {
    mode: "anonymous" | "local" | undefined;
    adminPassword: string | undefined;
    sessionIdleMs: number;
    sessionMaxMs: number;
    /** Sign-in with a Kubernetes bearer token (a cluster must be configured). */
    kubeTokenLogin: boolean;
    /** Where browsers reach Sextant (SEXTANT_PUBLIC_URL): its host is accepted as the Origin of writes. */
    publicUrl: string | undefined;
    oidc: { issuer: string; clientId: string; clientSecret: string; scopes: string; roleClaim: string; nameClaim: string; roles: Record<string, "viewer" | "operator" | "admin">; publicUrl: string; clockSkewSeconds: number } | undefined;
  };
  /** `tls`: file paths of the server's certificate, key and the proxies' CA; proxies then need certificates (mTLS). */
  xds: { host: string; port: number; debounceMs: number; tls: { cert: string; key: string; ca: string; trustDomain: string } | undefined };
  /** Where the xDS server and the demo mesh run: their own thread (default) or the console's. */
  dataplane: "worker" | "inline";
  graph: { cacheSeconds: number; healthRules: HealthRule[] };
  /** Leader election among replicas: "alone" (embedded database), a PostgreSQL advisory lock, or a Kubernetes Lease. */
  leader: { election: "alone" | "postgres" | "lease"; lease: { namespace: string; name: string; holder: string | undefined } };
  limiter: {
    intervalSeconds: number;
    windowSeconds: number;
    /** Named PromQL handlers ($namespace, $pod_name, $workload, $service), over the built-in ones. */
    handlers: Record<string, string>;
    rls: { cluster: string; domain: string; configMap: { namespace: string; name: string } };
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string; value: string | undefined }[]) {
    super(
      "Sextant cannot start: invalid configuration\n" +
        problems
          .map((p) => `  ${p.variable}=${p.value === undefined ? "(unset)" : JSON.stringify(p.value)}: ${p.message}`)
          .join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Reads the configuration from `env`; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    // An empty variable means "use the default", as in most twelve-factor apps.
    input[key] = v === undefined || v.trim() === "" ? undefined : v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const variable = String(i.path[0] ?? "?");
        // Inside a JSON variable, say where: SEXTANT_HEALTH_CONFIG[0].tolerance[1].failure
        const where = i.path.slice(1).reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : `${acc}.${String(p)}`), "");
        return { variable, message: where ? `${where.replace(/^\./, "")}: ${i.message}` : i.message, value: input[variable] };
      }),
    );
  }
  const c = parsed.data;
  const tlsVars = { SEXTANT_XDS_TLS_CERT: c.SEXTANT_XDS_TLS_CERT, SEXTANT_XDS_TLS_KEY: c.SEXTANT_XDS_TLS_KEY, SEXTANT_XDS_TLS_CA: c.SEXTANT_XDS_TLS_CA };
  const tlsSet = Object.entries(tlsVars).filter(([, v]) => v);
  const problems: { variable: string; message: string; value: string | undefined }[] = [];
  if (tlsSet.length > 0 && tlsSet.length < 3) for (const [k, v] of Object.entries(tlsVars)) if (!v) problems.push({ variable: k, message: "mTLS for xDS needs the certificate, the key and the CA together", value: v });
  const tls = tlsSet.length === 3 ? { cert: c.SEXTANT_XDS_TLS_CERT!, key: c.SEXTANT_XDS_TLS_KEY!, ca: c.SEXTANT_XDS_TLS_CA!, trustDomain: c.SEXTANT_XDS_TRUST_DOMAIN } : undefined;
  if (tls && c.SEXTANT_DEMO_XDS === true) problems.push({ variable: "SEXTANT_DEMO_XDS", message: "the demo mesh's proxies have no client certificates: with SEXTANT_XDS_TLS_* set, leave it unset or false", value: input.SEXTANT_DEMO_XDS });
  const loopback = /^(127(\.\d{1,3}){3}|localhost|::1)$/.test(c.SEXTANT_XDS_HOST);
  if (!tls && !loopback && !c.SEXTANT_XDS_INSECURE)
    problems.push({ variable: "SEXTANT_XDS_HOST", message: "a plaintext xDS server lets anyone who reaches it read every proxy's configuration: set SEXTANT_XDS_TLS_CERT, _KEY and _CA (mTLS), listen on loopback, or SEXTANT_XDS_INSECURE=true to insist", value: input.SEXTANT_XDS_HOST });
  let oidc: Config["auth"]["oidc"];
  if (c.SEXTANT_OIDC_ISSUER) {
    const need = { SEXTANT_OIDC_CLIENT_ID: c.SEXTANT_OIDC_CLIENT_ID, SEXTANT_OIDC_CLIENT_SECRET: c.SEXTANT_OIDC_CLIENT_SECRET, SEXTANT_OIDC_ROLES: c.SEXTANT_OIDC_ROLES, SEXTANT_PUBLIC_URL: c.SEXTANT_PUBLIC_URL };
    for (const [k, v] of Object.entries(need)) if (!v) problems.push({ variable: k, message: "needed for sign-in with OpenID Connect (SEXTANT_OIDC_ISSUER is set)", value: undefined });
    if (c.SEXTANT_AUTH === "anonymous") problems.push({ variable: "SEXTANT_AUTH", message: "anonymous access and OpenID Connect sign-in exclude each other", value: c.SEXTANT_AUTH });
    if (c.SEXTANT_OIDC_CLIENT_ID && c.SEXTANT_OIDC_CLIENT_SECRET && c.SEXTANT_OIDC_ROLES && c.SEXTANT_PUBLIC_URL)
      oidc = { issuer: c.SEXTANT_OIDC_ISSUER, clientId: c.SEXTANT_OIDC_CLIENT_ID, clientSecret: c.SEXTANT_OIDC_CLIENT_SECRET, scopes: c.SEXTANT_OIDC_SCOPES, roleClaim: c.SEXTANT_OIDC_ROLE_CLAIM, nameClaim: c.SEXTANT_OIDC_NAME_CLAIM, roles: c.SEXTANT_OIDC_ROLES, publicUrl: c.SEXTANT_PUBLIC_URL, clockSkewSeconds: c.SEXTANT_OIDC_CLOCK_SKEW_SECONDS };
  }
  if (c.SEXTANT_KUBE_TOKEN_LOGIN && !(c.SEXTANT_KUBE === "on" || (c.SEXTANT_KUBE === "auto" && (c.KUBECONFIG || c.KUBERNETES_SERVICE_HOST))))
    problems.push({ variable: "SEXTANT_KUBE_TOKEN_LOGIN", message: "sign-in with a Kubernetes token needs a cluster (KUBECONFIG, or running in a pod)", value: input.SEXTANT_KUBE_TOKEN_LOGIN });
  if (c.SEXTANT_KUBE_TOKEN_LOGIN && c.SEXTANT_AUTH === "anonymous") problems.push({ variable: "SEXTANT_AUTH", message: "anonymous access and Kubernetes token sign-in exclude each other", value: c.SEXTANT_AUTH });
  const inCluster = Boolean(c.KUBERNETES_SERVICE_HOST);
  const clusterSet = c.SEXTANT_KUBE === "on" || (c.SEXTANT_KUBE === "auto" && (Boolean(c.KUBECONFIG) || inCluster));
  if (c.SEXTANT_LEADER_ELECTION !== "auto" && !c.DATABASE_URL)
    problems.push({ variable: "SEXTANT_LEADER_ELECTION", message: "electing a leader needs replicas sharing one PostgreSQL: set DATABASE_URL (the embedded database serves one process, which leads alone)", value: c.SEXTANT_LEADER_ELECTION });
  if (c.SEXTANT_LEADER_ELECTION === "lease" && !clusterSet)
    problems.push({ variable: "SEXTANT_LEADER_ELECTION", message: "a Kubernetes Lease needs a cluster (KUBECONFIG, or running in a pod)", value: c.SEXTANT_LEADER_ELECTION });
  if (problems.length) throw new ConfigError(problems);
  const kube = clusterSet
    ? { kubeconfig: c.KUBECONFIG, context: c.SEXTANT_KUBE_CONTEXT, inCluster: inCluster && !c.KUBECONFIG, namespaces: c.SEXTANT_NAMESPACES?.length ? c.SEXTANT_NAMESPACES : undefined, namespaceSelector: c.SEXTANT_NAMESPACE_SELECTOR }
    : undefined;
  return {
    kube,
    port: c.PORT,
    dataDir: path.resolve(c.SEXTANT_DATA_DIR),
    databaseUrl: c.DATABASE_URL || undefined,
    logLevel: c.SEXTANT_LOG_LEVEL,
    demo: {
      enabled: c.SEXTANT_DEMO ?? !kube,
      host: c.SEXTANT_DEMO_HOST,
      metricsPort: c.SEXTANT_DEMO_METRICS_PORT,
      requestsPerSecond: c.SEXTANT_DEMO_RPS,
      ratingsErrorRate: c.SEXTANT_DEMO_RATINGS_ERROR_RATE,
      viaXds: c.SEXTANT_DEMO_XDS ?? !tls,
    },
    xds: { host: c.SEXTANT_XDS_HOST, port: c.SEXTANT_XDS_PORT, debounceMs: c.SEXTANT_XDS_DEBOUNCE_MS, tls },
    dataplane: c.SEXTANT_DATAPLANE,
    gitops: { secretKey: c.SEXTANT_SECRET_KEY, author: { name: c.SEXTANT_GIT_AUTHOR.replace(/ <.*$/, ""), email: /<(.*)>/.exec(c.SEXTANT_GIT_AUTHOR)![1]! } },
    auth: { publicUrl: c.SEXTANT_PUBLIC_URL, kubeTokenLogin: c.SEXTANT_KUBE_TOKEN_LOGIN, mode: c.SEXTANT_AUTH ?? (c.SEXTANT_ADMIN_PASSWORD || oidc || c.SEXTANT_KUBE_TOKEN_LOGIN ? "local" : undefined), adminPassword: c.SEXTANT_ADMIN_PASSWORD, sessionIdleMs: c.SEXTANT_SESSION_IDLE_MINUTES * 60_000, sessionMaxMs: c.SEXTANT_SESSION_MAX_HOURS * 3_600_000, oidc },
    prometheus: c.PROMETHEUS_URL ? { url: c.PROMETHEUS_URL, timeoutMs: c.PROMETHEUS_TIMEOUT_MS } : undefined,
    graph: { cacheSeconds: c.SEXTANT_GRAPH_CACHE_SECONDS, healthRules: c.SEXTANT_HEALTH_CONFIG ?? [] },
    leader: {
      election: !c.DATABASE_URL ? "alone" : c.SEXTANT_LEADER_ELECTION === "auto" ? (kube ? "lease" : "postgres") : c.SEXTANT_LEADER_ELECTION,
      lease: { namespace: c.SEXTANT_LEASE_NAMESPACE ?? c.POD_NAMESPACE ?? "default", name: c.SEXTANT_LEASE_NAME, holder: c.POD_NAME },
    },
    limiter: {
      intervalSeconds: c.SEXTANT_LIMITER_INTERVAL_SECONDS,
      windowSeconds: c.SEXTANT_LIMITER_WINDOW_SECONDS,
      handlers: c.SEXTANT_LIMITER_HANDLERS ?? {},
      rls: {
        cluster: `outbound|${c.SEXTANT_RLS_SERVICE.split(":")[1]}||${c.SEXTANT_RLS_SERVICE.split(":")[0]}`,
        domain: c.SEXTANT_RLS_DOMAIN,
        configMap: { namespace: c.SEXTANT_RLS_CONFIGMAP.split("/")[0]!, name: c.SEXTANT_RLS_CONFIGMAP.split("/")[1]! },
      },
    },
  };
}
