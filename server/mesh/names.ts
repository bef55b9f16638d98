import { z } from "zod";

/**
 * Kubernetes names and patterns, validated the one way every edge uses (intents, limiters, the
 * cluster, Git targets, users' namespaces, graph and detail queries).
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A namespace, service or other RFC 1123 label: lower-case letters, digits and '-', at most 63. */
export const dnsLabel = (message = "must be a DNS label: lowercase letters, digits and '-'") => z.string().regex(DNS_LABEL, message).max(63);

/** An object name (RFC 1123 subdomain): also '.', at most 253. */
export const objectName = (message = "must be a Kubernetes name") => z.string().regex(DNS_SUBDOMAIN, message).max(253);

export const isDnsLabel = (s: string) => s.length <= 63 && DNS_LABEL.test(s);

/** A list of namespaces (deduplicated later by whoever stores them). */
export const namespaceList = (max = 200) => z.array(dnsLabel("must be a namespace name (a DNS label)")).max(max, `at most ${max} namespaces`);

/** Whether JavaScript can compile the pattern (RE2's own check is in server/intents/re2.ts). */
export const validRegex = (s: string) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};
