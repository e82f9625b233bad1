import type { Attributes, HrTime } from '@opentelemetry/api';

/**
 * One exemplar of a data point: the OTel SDK's own `Exemplar` shape (sdk-metrics declares it but does
 * not export it), carried in an `exemplars` field of histogram data points. The SDK's types do not
 * know the field; everything between the producer and the exposition passes data points through
 * unchanged (readers, the cluster merge), so it reaches the serializer.
 */
export interface Exemplar {
  filteredAttributes: Attributes;
  value: number;
  timestamp: HrTime;
  spanId?: string;
  traceId?: string;
}

/** A data point that may carry exemplars. */
export interface WithExemplars {
  exemplars?: unknown;
}

/**
 * The exemplars of a data point that can be written: a trace and span id each, a finite value and a
 * timestamp. Anything else (data from another process, another producer) is skipped, never thrown on.
 */
export function exemplarsOf(point: WithExemplars): Exemplar[] | undefined {
  const list = point.exemplars;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: Exemplar[] = [];
  for (const e of list as Partial<Exemplar>[]) {
    if (
      e !== null &&
      typeof e === 'object' &&
      typeof e.traceId === 'string' &&
      typeof e.spanId === 'string' &&
      typeof e.value === 'number' &&
      Number.isFinite(e.value) &&
      Array.isArray(e.timestamp) &&
      typeof e.timestamp[0] === 'number' &&
      typeof e.timestamp[1] === 'number'
    ) {
      out.push(e as Exemplar);
    }
  }
  return out.length > 0 ? out : undefined;
}

/** Milliseconds since the epoch of an HrTime. */
export function exemplarTimeMs(e: Exemplar): number {
  return e.timestamp[0] * 1000 + e.timestamp[1] / 1e6;
}

/** The bucket `value` falls in: the first boundary >= value, else the +Inf bucket (OTel's (lower, upper]). */
export function bucketIndex(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * At most one exemplar per bucket, the newest, as the aligned-histogram-bucket reservoir keeps them:
 * what a merge of several processes' points keeps, and what the exposition writes (a bucket line has
 * room for one). Indexed by bucket; undefined where a bucket has none.
 */
export function newestPerBucket(
  boundaries: readonly number[],
  ...lists: ReadonlyArray<readonly Exemplar[] | undefined>
): (Exemplar | undefined)[] {
  const byBucket = new Array<Exemplar | undefined>(boundaries.length + 1);
  for (const list of lists) {
    if (list === undefined) continue;
    for (const e of list) {
      const b = bucketIndex(boundaries, e.value);
      const kept = byBucket[b];
      if (kept === undefined || exemplarTimeMs(e) >= exemplarTimeMs(kept)) byBucket[b] = e;
    }
  }
  return byBucket;
}
