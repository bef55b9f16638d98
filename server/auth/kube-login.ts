import { UnauthorizedError } from "../errors";
import type { KubeClient } from "../kube/client";
import { isKubeError } from "../kube/client";
import type { Role } from "./principal";

/**
 * Sign-in with a Kubernetes bearer token, as Kiali offers: the cluster says who the token belongs
 * to (SelfSubjectReview) and what it may write (SelfSubjectAccessReview on the objects Sextant's
 * changes write: VirtualServices and DestinationRules, cluster-wide or per namespace). Someone who
 * may write them everywhere is an operator of every namespace; in some namespaces, an operator
 * limited to those; nowhere, a viewer. Decided at sign-in, for the session's life.
 */
export interface KubeIdentity {
  username: string;
  role: Role;
  namespaces: string[] | null;
}

const WRITES = [
  { group: "networking.istio.io", resource: "virtualservices", verb: "patch" },
  { group: "networking.istio.io", resource: "destinationrules", verb: "patch" },
];

async function may(client: KubeClient, namespace: string | undefined): Promise<boolean> {
  for (const w of WRITES) {
    const r = await client.request<{ status?: { allowed?: boolean } }>({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      contentType: "application/json",
      body: JSON.stringify({ apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { ...(namespace ? { namespace } : {}), ...w } } }),
    });
    if (r.status?.allowed !== true) return false;
  }
  return true;
}

export async function kubeIdentity(client: KubeClient, meshNamespaces: string[]): Promise<KubeIdentity> {
  let who: { status?: { userInfo?: { username?: string } } };
  try {
    who = await client.request({ method: "POST", path: "/apis/authentication.k8s.io/v1/selfsubjectreviews", contentType: "application/json", body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }) });
  } catch (e) {
    if (isKubeError(e) && e.status === 401) throw new UnauthorizedError("the cluster does not accept this token");
    throw e;
  }
  const username = who.status?.userInfo?.username;
  if (!username || username === "system:anonymous") throw new UnauthorizedError("the cluster does not accept this token");
  if (await may(client, undefined)) return { username, role: "operator", namespaces: null };
  const allowed: string[] = [];
  for (const ns of [...new Set(meshNamespaces)].sort().slice(0, 200)) if (await may(client, ns)) allowed.push(ns);
  return allowed.length ? { username, role: "operator", namespaces: allowed } : { username, role: "viewer", namespaces: null };
}
