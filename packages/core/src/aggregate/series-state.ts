import type { Attributes } from '@opentelemetry/api';
import type { InstrumentKind } from '../catalogue/catalogue.js';
import { bucketIndex } from '../exemplar/exemplar.js';
import { exemplarSlot } from '../exemplar/slot.js';
import type { Sanitizer } from '../input/sanitizer.js';
import type { BoundSeries } from '../record/bound-series.js';
import { isValidMeasurement, measurementProblem } from '../record/measurement.js';
import { holdsValues, recordEachGuarded } from '../record/record-many.js';
import { BucketExemplars } from './bucket-exemplars.js';

/**
 * Pre-aggregated state of one series: what a bound series records into on the producer path.
 *
 * The arithmetic follows the OTel SDK's exactly, so exported data is equal to an SDK instrument's
 * behind the same view, bit for bit: measurements add into an interval accumulation; at each
 * cumulative collection the interval is added onto the running total (the SDK merges a delta into the
 * previous cumulative point the same way, and floating-point sums depend on that order); a delta
 * collection exports the interval and resets it in place. Nothing is ever replaced, so a handle an
 * in-flight operation holds stays valid across collections.
 */
export abstract class SeriesState implements BoundSeries {
  /** Date.now() of the first measurement of the current interval, or -1 if none yet. */
  firstRecordMs = -1;
  /** Date.now() of the first measurement ever (the start time of cumulative points), or -1. */
  firstEverMs = -1;
  /** Whether the previous delta collection exported this series (its next point starts there). */
  exportedLast = false;

  constructor(
    readonly attributes: Attributes,
    protected readonly kind: InstrumentKind,
    protected readonly name: string,
    protected readonly sanitizer: Sanitizer,
  ) {}

  abstract record(value: number): void;
  abstract recordMany(values: Float64Array, count: number): void;
  /** Moves the interval into the running total (cumulative collection). */
  abstract accumulate(): void;
  /** Empties the interval (delta collection). */
  abstract resetInterval(): void;

  /** Called on the first measurement of an interval: one clock read per series per interval. */
  protected touch(): void {
    const now = Date.now();
    this.firstRecordMs = now;
    if (this.firstEverMs < 0) this.firstEverMs = now;
  }

  protected rejected(value: unknown): void {
    const problem = measurementProblem(this.kind, value);
    if (problem) this.sanitizer.problem('value', problem, value, `a ${this.name} value was skipped`);
  }
}

/** Explicit-bucket histogram state, with the SDK's (lower, upper] bucket semantics. */
export class HistogramState extends SeriesState {
  /** Bucket counts of the current interval and the running total (cumulative). */
  readonly counts: Float64Array;
  readonly totalCounts: Float64Array;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  totalCount = 0;
  totalSum = 0;
  totalMin = Number.POSITIVE_INFINITY;
  totalMax = Number.NEGATIVE_INFINITY;
  /** One exemplar per bucket, allocated on first use (see BucketExemplars). */
  exemplars: BucketExemplars | null = null;

  constructor(
    attributes: Attributes,
    name: string,
    sanitizer: Sanitizer,
    readonly boundaries: readonly number[],
  ) {
    super(attributes, 'histogram', name, sanitizer);
    this.counts = new Float64Array(boundaries.length + 1);
    this.totalCounts = new Float64Array(boundaries.length + 1);
  }

  record(value: number): void {
    if (isValidMeasurement(value, false))
      this.add(value + 0); // + 0: -0 counts as 0 for min/max
    else this.rejected(value);
  }

  recordMany(values: Float64Array, count: number): void {
    if (!holdsValues(values, count)) {
      recordEachGuarded((v) => this.record(v), values, count, this.sanitizer);
      return;
    }
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (v >= 0 && v !== Number.POSITIVE_INFINITY) this.add(v + 0);
      else this.rejected(v);
    }
  }

  /** The bucket `value` falls in: the first boundary >= value, else the +Inf bucket. */
  bucketOf(value: number): number {
    return bucketIndex(this.boundaries, value);
  }

  private add(value: number): void {
    if (this.count === 0) this.touch();
    const bucket = this.bucketOf(value);
    this.counts[bucket]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    // Recorded inside a captured span (see exemplar/slot.ts): the bucket's newest exemplar.
    const slot = exemplarSlot;
    if (slot.traceId !== undefined) {
      this.exemplarSlots().offer(bucket, value, slot.timeMs, slot.traceId, slot.spanId!);
    }
  }

  /** Exemplar slots for this series, allocated on first call. */
  exemplarSlots(): BucketExemplars {
    this.exemplars ??= new BucketExemplars(this.counts.length);
    return this.exemplars;
  }

  accumulate(): void {
    if (this.count === 0) return;
    const counts = this.counts;
    const total = this.totalCounts;
    for (let i = 0; i < counts.length; i++) total[i]! += counts[i]!;
    this.totalCount += this.count;
    this.totalSum += this.sum;
    if (this.min < this.totalMin) this.totalMin = this.min;
    if (this.max > this.totalMax) this.totalMax = this.max;
    this.resetInterval();
  }

  resetInterval(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.firstRecordMs = -1;
  }
}

/** Counter and up-down counter state. */
export class SumState extends SeriesState {
  value = 0;
  total = 0;
  private recorded = false;

  constructor(attributes: Attributes, kind: 'counter' | 'upDownCounter', name: string, sanitizer: Sanitizer) {
    super(attributes, kind, name, sanitizer);
  }

  get hasInterval(): boolean {
    return this.recorded;
  }

  record(value: number): void {
    if (isValidMeasurement(value, this.kind === 'upDownCounter')) {
      if (!this.recorded) {
        this.recorded = true;
        this.touch();
      }
      this.value += value;
    } else {
      this.rejected(value);
    }
  }

  recordMany(values: Float64Array, count: number): void {
    if (!holdsValues(values, count)) recordEachGuarded((v) => this.record(v), values, count, this.sanitizer);
    else for (let i = 0; i < count; i++) this.record(values[i]!);
  }

  accumulate(): void {
    if (!this.recorded) return;
    this.total += this.value;
    this.resetInterval();
  }

  resetInterval(): void {
    this.value = 0;
    this.recorded = false;
    this.firstRecordMs = -1;
  }
}
