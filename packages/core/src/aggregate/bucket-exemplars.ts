/**
 * Room for one exemplar per histogram bucket — the value, when it was recorded (ms since the epoch),
 * and the trace and span it was recorded in — the shape of the OTel spec's aligned-histogram-bucket
 * reservoir. Allocated once per series on first use, so offering an exemplar never allocates.
 * Nothing offers exemplars yet; this is where a series keeps them when something does.
 */
export class BucketExemplars {
  readonly values: Float64Array;
  readonly timesMs: Float64Array;
  readonly traceIds: (string | undefined)[];
  readonly spanIds: (string | undefined)[];

  constructor(buckets: number) {
    this.values = new Float64Array(buckets);
    this.timesMs = new Float64Array(buckets);
    this.traceIds = new Array<string | undefined>(buckets).fill(undefined);
    this.spanIds = new Array<string | undefined>(buckets).fill(undefined);
  }

  /** Keeps this measurement as the bucket's exemplar (the latest one wins). */
  offer(bucket: number, value: number, timeMs: number, traceId: string, spanId: string): void {
    this.values[bucket] = value;
    this.timesMs[bucket] = timeMs;
    this.traceIds[bucket] = traceId;
    this.spanIds[bucket] = spanId;
  }

  clear(): void {
    this.traceIds.fill(undefined);
    this.spanIds.fill(undefined);
  }
}
