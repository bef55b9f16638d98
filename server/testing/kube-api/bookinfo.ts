import fs from "node:fs";
import path from "node:path";
import type { KubeApiDouble } from "./server";
import type { Obj } from "./store";
import { TRANSCRIPTS_DIR, transcript } from "./transcripts";

/**
 * Bookinfo as a real cluster holds it: Istio's bookinfo-kube.yaml (Services, Deployments,
 * ServiceAccounts) plus the Pods and EndpointSlices a real API server returned for it
 * (transcript 11). The double runs no controllers, so pods and slices come from the recording.
 */
export const BOOKINFO_YAML = path.join(TRANSCRIPTS_DIR, "bookinfo-kube.yaml");

export function bookinfoRecorded(): Obj[] {
  return transcript("11-bookinfo-objects.json")
    .filter((x) => /^GET (Pod|EndpointSlice) /.test(x.step) && x.response.status === 200)
    .map((x) => {
      const o = structuredClone(x.response.body) as Obj;
      for (const k of ["resourceVersion", "uid", "managedFields", "creationTimestamp"]) delete o.metadata[k];
      return o;
    });
}

export function loadBookinfo(api: KubeApiDouble, namespace = "bookinfo"): void {
  api.load(fs.readFileSync(BOOKINFO_YAML, "utf8"), namespace);
  api.load(bookinfoRecorded(), namespace);
}
