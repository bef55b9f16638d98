import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Regular expressions as Envoy reads them: RE2, not JavaScript's engine, and
 * within the program size Envoy allows. JavaScript accepts what RE2 refuses
 * (lookahead `(?!...)`, backreferences, repetition over 1000), and one such
 * pattern, or one whose compiled program is too large, in a route breaks the
 * whole route configuration it is in for every sidecar.
 *
 * The RE2 here is RE2 itself built to WebAssembly (tools/re2/build.sh:
 * Debian's RE2 20220601, with memory that grows; its tests compare it with
 * Debian's native libre2), called the way Envoy calls it:
 * RE2(pattern, RE2::Quiet), then ProgramSize() (source/common/common/regex.cc).
 */

/**
 * The most a regex's compiled RE2 program may count before Envoy refuses it:
 * the runtime key re2.max_program_size.error_level, which Istio's bootstrap
 * sets to 32768 (pilot/pkg/bootstrap/config.go extractRuntimeFlags; Envoy's
 * own default is 100). Envoy refuses when ProgramSize() is greater.
 */
export const ENVOY_MAX_PROGRAM_SIZE = 32_768;

export type Re2Result = { ok: true; programSize: number } | { ok: false; error: string };

/** What RE2 says of the pattern: its program size, or why it does not compile. */
export function re2Check(pattern: string): Re2Result {
  const x = (shared[RE2] ??= loadRe2());
  const bytes = Buffer.from(pattern, "utf8");
  const p = x.sx_alloc(bytes.length || 1);
  try {
    new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
    const size = x.sx_program_size(p, bytes.length);
    return size >= 0 ? { ok: true, programSize: size } : { ok: false, error: cString(x, x.sx_error()) };
  } finally {
    x.sx_free(p);
  }
}

/** RE2's complaint about a pattern it does not compile (e.g. "invalid perl operator: (?!"). */
export function re2Problem(pattern: string): string | undefined {
  const r = re2Check(pattern);
  return r.ok ? undefined : r.error;
}

/** The size problem of a pattern RE2 compiles, if its program is larger than Envoy allows. */
export function programSizeProblem(pattern: string): string | undefined {
  const r = re2Check(pattern);
  return r.ok && r.programSize > ENVOY_MAX_PROGRAM_SIZE
    ? `its RE2 program has ${r.programSize} instructions, more than the ${ENVOY_MAX_PROGRAM_SIZE} Envoy accepts under Istio's bootstrap (re2.max_program_size.error_level)`
    : undefined;
}

interface Re2Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  sx_program_size(p: number, n: number): number;
  sx_error(): number;
  sx_alloc(n: number): number;
  sx_free(p: number): void;
}
/** One instance per process, shared by every copy of this module (Next.js bundles the runtime, which warms it, and each route apart). */
const RE2 = Symbol.for("sextant.re2");
const shared = globalThis as { [RE2]?: Re2Exports };

function cString(x: Re2Exports, p: number): string {
  const mem = new Uint8Array(x.memory.buffer);
  let end = p;
  while (mem[end] !== 0) end++;
  return Buffer.from(mem.subarray(p, end)).toString("utf8");
}

function loadRe2(): Re2Exports {
  // Read from the sources' directory (as the data plane worker's entry is; the image ships server/).
  const file = process.env.SEXTANT_RE2_WASM ?? path.join(process.cwd(), "server", "intents", "re2.wasm");
  // Not traced by the bundler: the file ships with the sources (Dockerfile copies server/).
  const compiled = new WebAssembly.Module(readFileSync(/*turbopackIgnore: true*/ file));
  // The build uses no files and no environment: every WASI call it could make is answered
  // "not supported" (ENOSYS), and an exit is an error.
  const imports: Record<string, Record<string, (...args: number[]) => number | undefined>> = {};
  for (const i of WebAssembly.Module.imports(compiled)) {
    const fn =
      i.name === "proc_exit"
        ? (code: number) => {
            throw new Error(`RE2 (wasm) exited with ${code}`);
          }
        : i.name === "emscripten_notify_memory_growth"
          ? () => undefined
          : () => 52;
    (imports[i.module] ??= {})[i.name] = fn;
  }
  const x = new WebAssembly.Instance(compiled, imports).exports as unknown as Re2Exports;
  x._initialize();
  return x;
}
