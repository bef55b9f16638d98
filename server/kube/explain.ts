import { isKubeError } from "./client";

/**
 * What a Kubernetes API error means for an operator, in one sentence that says what to do:
 * the API server's answers passed through are hard to act on ("404 page not found").
 */
export interface ApiTarget {
  verb: string;
  /** Plural resource, e.g. virtualservices. */
  resource: string;
  /** API group, "" for core. */
  group: string;
  namespace?: string;
  name?: string;
}

const GROUP_OWNERS: Record<string, string> = {
  "networking.istio.io": "Istio's networking.istio.io CRDs are not installed",
  "security.istio.io": "Istio's security.istio.io CRDs are not installed",
  "microservice.slime.io": "Slime's microservice.slime.io CRDs (SmartLimiter) are not installed",
};

export function explain(e: unknown, t: ApiTarget): string {
  if (!(isKubeError(e))) return e instanceof Error ? e.message : String(e);
  const what = `${t.resource}${t.group ? `.${t.group}` : ""}`;
  const where = t.namespace ? ` in namespace ${t.namespace}` : " cluster-wide";
  switch (e.status) {
    case 0:
      return e.message;
    case 401:
      return "the Kubernetes API server refused Sextant's credentials (401 Unauthorized): the token or client certificate has expired or is wrong; renew the kubeconfig's credentials";
    case 403:
      return `Sextant's identity may not ${t.verb} ${what}${where} (403 Forbidden); grant it in the ClusterRole (see README: RBAC). The server said: ${e.message}`;
    case 404:
      // An unknown group/version/resource answers plain text, not a Status.
      if (e.reason === undefined) return `${GROUP_OWNERS[t.group] ?? `the API ${t.group || "core"}/${t.resource} does not exist on this cluster`} (404 on ${what})`;
      return `${what} "${t.name ?? ""}" does not exist${where}`;
    case 409:
      if (e.causes.some((c) => c.reason === "FieldManagerConflict")) {
        const managers = [...new Set(e.causes.map((c) => /conflict with "([^"]+)"/.exec(c.message ?? "")?.[1]).filter(Boolean))];
        return `another field manager owns fields Sextant would change: ${managers.map((m) => `"${m}"`).join(", ")} owns ${e.causes.map((c) => c.field).join(", ")}; nothing was written (force to take them over)`;
      }
      return `the object changed on the server while Sextant wrote it (409 Conflict): ${e.message}`;
    case 410:
      return "the list or watch position expired (410 Gone); Sextant lists again";
    case 422:
      return `the API server rejected ${what}${t.name ? ` "${t.name}"` : ""} as invalid: ${e.causes.length ? e.causes.map((c) => `${c.field}: ${c.message}`).join("; ") : e.message}`;
    case 429:
      return "the Kubernetes API server asks Sextant to slow down (429 Too Many Requests); it retries later";
    case 500:
      return `the Kubernetes API server failed: ${e.message}`;
    case 504:
      return `the Kubernetes API server timed out: ${e.message}`;
    default:
      return `${e.status} ${e.reason ?? ""}: ${e.message}`.trim();
  }
}
