/**
 * Explicit-bucket histogram state for one attribute set: the same (lower, upper] bucket semantics as
 * the OTel SDK's ExplicitBucketHistogram, so exported data is indistinguishable from an SDK view's.
 */
export class HistogramAccumulator {
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(private readonly boundaries: readonly number[]) {
    this.counts = new Float64Array(boundaries.length + 1);
  }

  addAll(values: Float64Array, count: number): void {
    const b = this.boundaries;
    const n = b.length;
    let sum = this.sum;
    let min = this.min;
    let max = this.max;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (!(v >= 0) || v === Number.POSITIVE_INFINITY) continue; // NaN/negative/∞ never reach a bucket
      // Binary search for the first boundary >= v: its index is the bucket.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (v > b[mid]!) lo = mid + 1;
        else hi = mid;
      }
      this.counts[lo]!++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      this.count++;
    }
    this.sum = sum;
    this.min = min;
    this.max = max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }
}
