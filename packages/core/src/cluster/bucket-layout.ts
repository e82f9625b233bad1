/**
 * Histogram bucket layouts of one series from several members (merge.ts): equal ones add bucket by
 * bucket; others (a member started with other `views.buckets`, a release with other defaults) add on
 * the boundaries both have.
 */

export function sameBoundaries(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The boundaries both layouts have, or undefined when either is not strictly increasing (no member
 * writes that). Each bucket of either layout lies wholly inside one bucket of the common layout, so both
 * re-bucket onto it exactly: coarser, never wrong. Keeping the first layout's points and leaving the
 * others out lost the others' counts, and whichever member came first changed between scrapes (a member
 * that left moves into another's folded totals), so `_count` went down; separate series per layout
 * would mix two sets of `le` under one name, which no quantile query can read.
 */
export function commonBoundaries(a: readonly number[], b: readonly number[]): number[] | undefined {
  if (!increasing(a) || !increasing(b)) return undefined;
  const theirs = new Set(b);
  return a.filter((x) => theirs.has(x));
}

function increasing(xs: readonly number[]): boolean {
  return xs.every((x, i) => i === 0 || xs[i - 1]! < x);
}

/** Bucket counts re-bucketed onto `to`, a subset of `from.boundaries` (see commonBoundaries). */
export function onBoundaries(
  from: { boundaries: number[]; counts: number[] },
  to: number[],
): { boundaries: number[]; counts: number[] } {
  const counts = new Array<number>(to.length + 1).fill(0);
  let j = 0;
  for (let i = 0; i < from.counts.length; i++) {
    const upper = i < from.boundaries.length ? from.boundaries[i]! : Number.POSITIVE_INFINITY;
    while (j < to.length && to[j]! < upper) j++;
    counts[j]! += from.counts[i] ?? 0;
  }
  return { boundaries: [...to], counts };
}
