import { parseNodeId } from "./node";

/**
 * Who a proxy is, from its client certificate (mTLS): Istio's SPIFFE identity
 * `spiffe://<trust domain>/ns/<namespace>/sa/<service account>` in the certificate's URI SAN.
 * A proxy may take configuration only as a node of its own namespace: its node id
 * (`sidecar~<ip>~<pod>.<namespace>~...`) must name the namespace its certificate proves. Pure.
 */
export interface SpiffeId {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

const SPIFFE = /^spiffe:\/\/([^/\s]+)\/ns\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/sa\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

/** The SPIFFE identity in a certificate's subjectaltname ("URI:spiffe://..., DNS:..."), if exactly one. */
export function spiffeFromSan(subjectaltname: string | undefined): SpiffeId | undefined {
  if (!subjectaltname) return undefined;
  const ids = subjectaltname
    .split(/,\s*/)
    .filter((e) => e.startsWith("URI:spiffe://"))
    .map((e) => SPIFFE.exec(e.slice(4)))
    .filter((m): m is RegExpExecArray => m !== null);
  if (ids.length !== 1) return undefined;
  const m = ids[0]!;
  return { trustDomain: m[1]!, namespace: m[2]!, serviceAccount: m[4]! };
}

/** Why this node may not be served to this identity; undefined when it may. */
export function refuseNode(nodeId: string, id: SpiffeId | undefined, trustDomain: string | undefined): string | undefined {
  if (!id) return "the client certificate carries no SPIFFE identity (a URI SAN spiffe://<trust domain>/ns/<namespace>/sa/<service account>)";
  if (trustDomain && id.trustDomain !== trustDomain) return `the certificate's trust domain ${id.trustDomain} is not ${trustDomain}`;
  const node = parseNodeId(nodeId);
  if (!node.namespace) return `node id ${JSON.stringify(nodeId.slice(0, 200))} does not name a pod and namespace (sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local)`;
  if (node.namespace !== id.namespace) return `node ${JSON.stringify(nodeId.slice(0, 200))} is in namespace ${node.namespace}, but the certificate is for namespace ${id.namespace} (spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount})`;
  return undefined;
}
