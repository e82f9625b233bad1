import type { HrTime } from '@opentelemetry/api';
import type { Exemplar } from '../exemplar/exemplar.js';

/**
 * Room for one exemplar per histogram bucket — the value, when it was recorded (ms since the epoch),
 * and the trace and span it was recorded in — the OTel spec's aligned-histogram-bucket reservoir (the
 * newest measurement of each bucket wins). Allocated once per series on its first exemplar, so
 * offering one never allocates. A histogram value is offered when it is recorded inside a span its
 * operation captured (exemplar/slot.ts).
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

  /** Empties every bucket (after a delta collection: the next interval starts without exemplars). */
  clear(): void {
    this.traceIds.fill(undefined);
    this.spanIds.fill(undefined);
  }

  /** The kept exemplars in the OTel SDK's `Exemplar` shape, bucket by bucket; empty when none. */
  toExemplars(): Exemplar[] {
    const out: Exemplar[] = [];
    for (let i = 0; i < this.traceIds.length; i++) {
      const traceId = this.traceIds[i];
      if (traceId === undefined) continue;
      out.push({
        filteredAttributes: {},
        value: this.values[i]!,
        timestamp: hrTime(this.timesMs[i]!),
        traceId,
        spanId: this.spanIds[i],
      });
    }
    return out;
  }
}

/** `millisToHrTime` of @opentelemetry/core, which the SDK uses for record and collection times. */
export function hrTime(epochMillis: number): HrTime {
  const seconds = Math.trunc(epochMillis / 1000);
  const nanos = Math.round((epochMillis % 1000) * 1e6);
  return [seconds, nanos];
}
