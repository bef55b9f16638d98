import type { GraphProbe } from "../components/graph/CytoscapeGraph";

declare global {
  interface Window {
    sextantGraph?: GraphProbe;
  }
}
export {};
