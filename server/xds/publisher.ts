import { describeError } from "../errors";
import type { IntentDraft } from "../intents/schemas";
import type { MeshSnapshot } from "../mesh/model";
import { type InboundPolicy, type Snapshot, SnapshotBuilder } from "./snapshot";

/** What to build a snapshot from; a field left out is unchanged since the last build (the console sends only what changed). */
export interface BuildInput {
  mesh?: MeshSnapshot;
  intents?: IntentDraft[];
  policies?: InboundPolicy[];
}

export interface BuildResult {
  at: string;
  error?: string;
  versions?: Record<string, string>;
}

/**
 * Builds snapshots from inputs and hands each good one to the server; a
 * failed build keeps the last good one served. Used where the ADS server
 * runs (the data plane), fed by XdsController.
 */
export class SnapshotPublisher {
  private readonly builder = new SnapshotBuilder();
  private last: Required<BuildInput> = { mesh: { revision: 0, namespaces: [], services: [], workloads: [], endpoints: [] }, intents: [], policies: [] };

  constructor(private readonly setSnapshot: (s: Snapshot) => unknown) {}

  build(input: BuildInput): BuildResult {
    this.last = { mesh: input.mesh ?? this.last.mesh, intents: input.intents ?? this.last.intents, policies: input.policies ?? this.last.policies };
    const at = new Date().toISOString();
    try {
      const snapshot = this.builder.build(this.last.mesh, this.last.intents, this.last.policies);
      this.setSnapshot(snapshot);
      return { at, versions: snapshot.versions };
    } catch (e) {
      return { at, error: describeError(e) };
    }
  }
}
