import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ENVOY_MAX_PROGRAM_SIZE, programSizeProblem, re2Check } from "./re2";

/**
 * Sextant's RE2 (the wasm build in server/intents/re2.wasm) against a
 * reference it did not build: Debian's native libre2, asked the same question
 * Envoy asks (tools/re2/native_check.cc). scripts/test.sh installs libre2-dev
 * and compiles the reference (RE2_NATIVE_BIN); run alone, this compiles it.
 */
let native: string;
beforeAll(() => {
  native = process.env.RE2_NATIVE_BIN ?? path.join(process.cwd(), ".sextant-cache", "re2-native");
  if (!existsSync(native)) {
    mkdirSync(path.dirname(native), { recursive: true });
    try {
      execFileSync("g++", ["-O1", "-std=c++17", "tools/re2/native_check.cc", "-lre2", "-o", native], { stdio: "pipe" });
    } catch (e) {
      throw new Error(`the native RE2 reference could not be built (run scripts/test.sh, which installs g++ and libre2-dev): ${String(e)}`);
    }
  }
});

/** What native libre2 says of each pattern: the program size, or "error <code> <message>". */
function nativeAnswers(patterns: string[]): string[] {
  const input = Buffer.concat(patterns.flatMap((p) => {
    const b = Buffer.from(p, "utf8");
    return [Buffer.from(`${b.length}\n`), b];
  }));
  return execFileSync(native, { input, maxBuffer: 64 << 20 }).toString("utf8").split("\n").slice(0, patterns.length);
}
/** The same answer from Sextant's wasm build. */
function wasmAnswer(p: string): string {
  const r = re2Check(p);
  return r.ok ? String(r.programSize) : `error ${ERROR_CODE[r.error.split(":")[0]!] ?? "?"} ${r.error}`;
}
/** RE2's messages (re2/regexp.cc kErrorStrings) by error code, to print the native reference's way. */
const ERROR_CODE: Record<string, number> = {
  "unexpected error": 1, "invalid escape sequence": 2, "invalid character class": 3, "invalid character class range": 4, "missing ]": 5, "missing )": 6, "unexpected )": 7, "trailing \\": 8, "no argument for repetition operator": 9, "invalid repetition size": 10, "bad repetition operator": 11, "invalid perl operator": 12, "invalid UTF-8": 13, "invalid named capture group": 14, "pattern too large - compile failed": 15,
};

const CORPUS = [
  // istiod's route_test.go and Istio's samples
  "\\/(.?)\\/status", "Bearer .+?\\..+?\\..+?", "^/service/([^/]+)(/.*)$", "/.*", "^/prefix-to-be-removed(/?)(.*)",
  // Istio's bootstrap stats tags (one has a lookahead RE2 refuses)
  "^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)", "_rq(_(\\d{3}))$", "^listener(?=\\.).*?\\.http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)",
  // what issue 11 found: JavaScript-only syntax, repetition limits, program sizes around Envoy's limit
  "^(?!/admin).*", "a{1001}", "^(?!test)k[0-9]+$", "(a)\\1", "a{1000}|/api/v[0-9]+", "[a-z]{1000}", "\\pL{27}", "\\pL{28}", "\\pL{1000}", "(?i)[[:word:]]{300}", "x{2,1000}y{1000}",
  "", "é+", "(?P<name>[0-9]+)", "(?<name>x)", "[[:alpha:]]+", "\\Q.*\\E", "\\C", "\\x{10FFFF}", "[^\\x00-\\x{10FFFF}]",
];

describe("Sextant's RE2 against Debian's native libre2", () => {
  it("agrees on every pattern of the corpus: accepted or not, RE2's message, and the program size Envoy checks", () => {
    const want = nativeAnswers(CORPUS);
    expect(CORPUS.map(wasmAnswer)).toEqual(want);
    // The corpus does exercise both sides of Envoy's limit.
    expect(programSizeProblem("\\pL{27}")).toBeUndefined();
    expect(programSizeProblem("\\pL{28}")).toContain(String(ENVOY_MAX_PROGRAM_SIZE));
  });

  it("agrees on 600 generated patterns (fast-check)", () => {
    const atom = fc.constantFrom("a", "b", "é", ".", "\\d", "\\w", "\\pL", "\\p{Greek}", "[a-z]", "[^ab]", "[[:alpha:]]", "(", ")", "(?:", "(?i)", "(?!", "(?P<n>", "|", "^", "$", "\\b", "\\1", "\\", "]", "[");
    const suffix = fc.constantFrom("", "", "*", "+", "?", "*?", "{2}", "{3,}", "{1,50}", "{1000}", "{1001}", "{0}", "{,2}");
    const pattern = fc.array(fc.tuple(atom, suffix).map(([a, s]) => a + s), { maxLength: 8 }).map((xs) => xs.join(""));
    const patterns = fc.sample(pattern, { numRuns: 600, seed: 20261128 });
    const want = nativeAnswers(patterns);
    const differ = patterns.map((p, i) => [p, wasmAnswer(p), want[i]]).filter(([, got, w]) => got !== w);
    expect(differ).toEqual([]);
    // Both accepted and refused patterns were generated.
    expect(want.filter((w) => w.startsWith("error")).length).toBeGreaterThan(50);
    expect(want.filter((w) => !w.startsWith("error")).length).toBeGreaterThan(50);
  });
});
