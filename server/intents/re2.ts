import { RE2 } from "re2-wasm";

/**
 * Regular expressions as Envoy and gRPC read them: RE2 (a real RE2, compiled
 * to wasm; the one @grpc/grpc-js-xds itself uses), not JavaScript's engine.
 * JavaScript accepts what RE2 refuses (lookahead `(?!...)`, backreferences,
 * repetition over 1000), and one such pattern in a route breaks the whole
 * route configuration it is in for every sidecar. Returns RE2's complaint.
 */
export function re2Problem(pattern: string): string | undefined {
  try {
    new RE2(pattern, "u");
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // "Invalid regular expression: /<pattern>/u: invalid perl operator: (?!" -> "invalid perl operator: (?!"
    return message.slice(message.lastIndexOf("/u: ") >= 0 ? message.lastIndexOf("/u: ") + 4 : 0);
  }
}
