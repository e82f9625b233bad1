/**
 * Exact sums of doubles, kept as non-overlapping partials (Shewchuk's algorithm, the one behind
 * Python's `math.fsum`).
 *
 * Why the merge needs it: a cluster's total is a sum over processes, and which processes are still live
 * (summed one by one) or have exited (folded into one stored total) changes between scrapes. Plain
 * floating-point addition is not associative, so `(a + b) + c` may come out one ulp below
 * `a + (b + c)`, and Prometheus counts ANY decrease of a counter as a reset. Keeping the exact sum and
 * rounding it once makes the exposed value a monotone function of the exact total: it can never go
 * down while no process's own count goes down, whatever the grouping.
 */
export type ExactSum = number[];

/** Adds `x` to `partials` exactly (in place). A non-finite value or overflow makes the sum plain. */
export function addExact(partials: ExactSum, x: number): void {
  if (!Number.isFinite(x) || (partials.length === 1 && !Number.isFinite(partials[0]!))) {
    const plain = roundExact(partials) + x;
    partials.length = 0;
    partials.push(plain);
    return;
  }
  let kept = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[kept++] = lo;
    x = hi;
  }
  partials.length = kept;
  partials.push(x);
  if (!Number.isFinite(x)) {
    partials.length = 0;
    partials.push(x);
  }
}

/** Adds every partial of `other` into `partials` (exact). */
export function addExactAll(partials: ExactSum, other: readonly number[]): void {
  for (const x of other) addExact(partials, x);
}

/** The exact sum rounded once to the nearest double (ties to even), as `math.fsum` does. */
export function roundExact(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  n -= 1;
  let hi = partials[n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    n -= 1;
    const y = partials[n]!;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Correct the rounding when the remaining partials push a halfway case the other way.
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  return hi;
}
