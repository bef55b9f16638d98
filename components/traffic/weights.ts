/**
 * Linked canary weights: whole numbers that always add up to 100. Moving one
 * subset's weight takes the difference from the other unlocked subsets in
 * proportion to their weights (equally when they are all at 0); a locked
 * subset never moves. Rounding uses the largest remainder, so totals stay
 * exact. Pure.
 */
export interface SubsetWeight {
  subset: string;
  weight: number;
  locked: boolean;
}

export const total = (ws: { weight: number }[]) => ws.reduce((a, w) => a + w.weight, 0);

/** Integers proportional to `shares`, summing to `sum` (largest remainder method, ties to the earlier). */
export function apportion(shares: number[], sum: number): number[] {
  if (shares.length === 0) return [];
  const weightSum = shares.reduce((a, b) => a + b, 0);
  const exact = weightSum > 0 ? shares.map((s) => (s / weightSum) * sum) : shares.map(() => sum / shares.length);
  const floors = exact.map(Math.floor);
  let left = sum - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]!++;
    left--;
  }
  return floors;
}

/** Equal weights for these subsets (34/33/33 for three). */
export function equalSplit(subsets: string[]): SubsetWeight[] {
  const ws = apportion(subsets.map(() => 1), 100);
  return subsets.map((subset, i) => ({ subset, weight: ws[i]!, locked: false }));
}

/** Sets one subset's weight and rebalances the unlocked others so the total stays 100. */
export function setWeight(ws: SubsetWeight[], index: number, requested: number): SubsetWeight[] {
  const lockedOthers = ws.reduce((a, w, i) => (i !== index && w.locked ? a + w.weight : a), 0);
  const free = ws.map((w, i) => i !== index && !w.locked);
  // With no other subset free to absorb the change, the weight cannot move.
  if (!free.some(Boolean)) return ws;
  const value = Math.max(0, Math.min(100 - lockedOthers, Math.round(requested)));
  const rest = 100 - lockedOthers - value;
  const freeIdx = ws.map((_, i) => i).filter((i) => free[i]);
  const parts = apportion(freeIdx.map((i) => ws[i]!.weight), rest);
  const next = ws.map((w) => ({ ...w }));
  next[index]!.weight = value;
  freeIdx.forEach((i, k) => (next[i]!.weight = parts[k]!));
  return next;
}

/** All traffic to one subset (locks are released: promoting decides for every subset). */
export function promote(ws: SubsetWeight[], subset: string): SubsetWeight[] {
  return ws.map((w) => ({ ...w, weight: w.subset === subset ? 100 : 0, locked: false }));
}

export function toggleLock(ws: SubsetWeight[], index: number): SubsetWeight[] {
  return ws.map((w, i) => (i === index ? { ...w, locked: !w.locked } : w));
}

/** The share of traffic (percentage points) a change of weights moves: half the sum of the differences. */
export function movedShare(before: { subset: string; weight: number }[], after: { subset: string; weight: number }[]): number {
  const subsets = new Set([...before, ...after].map((w) => w.subset));
  const of = (ws: { subset: string; weight: number }[], s: string) => ws.find((w) => w.subset === s)?.weight ?? 0;
  let sum = 0;
  for (const s of subsets) sum += Math.abs(of(after, s) - of(before, s));
  return sum / 2;
}

/** What an exact-weight box holds once committed: a whole number 0-100, or undefined (not a weight). */
export function parseWeight(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,3}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 100 ? n : undefined;
}
