import { createTwoFilesPatch } from "diff";

/** A unified diff (3 lines of context) from `a` to `b`; "" when they are the same. */
export function unifiedDiff(fromName: string, toName: string, a: string, b: string): string {
  if (a === b) return "";
  return createTwoFilesPatch(fromName, toName, a, b, "", "", { context: 3 });
}
