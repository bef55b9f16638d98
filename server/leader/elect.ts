import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Config } from "../config";
import { loadKubeConfig } from "../kube/connection";
import type { Logger } from "../log";
import { LeaseLeader } from "./lease";
import { Alone, type Leadership, PgLeader } from "./leadership";

/** Who runs the writers: a Kubernetes Lease (replicas in a cluster), a PostgreSQL advisory lock (replicas elsewhere), or this process alone. */
export function electLeader(config: Config, log: Logger): Leadership {
  const { election, lease } = config.leader;
  if (election === "lease" && config.kube) {
    const kube = config.kube;
    // The kubeconfig is read at each try until it can be (a bad one is a failed try, not a failed start).
    return new LeaseLeader(() => loadKubeConfig(kube), { namespace: lease.namespace, name: lease.name, identity: `${lease.holder ?? os.hostname()}_${randomUUID().slice(0, 8)}` }, log);
  }
  if (election !== "alone" && config.databaseUrl) return new PgLeader(config.databaseUrl, log);
  return new Alone();
}
