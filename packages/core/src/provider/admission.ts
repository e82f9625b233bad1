import type { Attributes } from '@opentelemetry/api';
import { OVERFLOW_ATTRIBUTES } from '../record/series-table.js';

/**
 * The attribute sets one of the app's own instruments may keep for the life of the process: the first
 * `limit - 1` distinct sets keep their own series, every later one is recorded under the
 * `otel.metric.overflow=true` set. The SDK's own cardinality limit cannot do this: it applies to the
 * measurements of one collection, then merges them into its cumulative state without a bound (so a
 * counter keyed by user id gains up to `limit` series per collection, and its memory grows with them).
 * Admitting before the SDK sees the attributes keeps both its exported series and its state within
 * `limit` keys. Rejected sets are not remembered: memory is bounded by the limit whatever the input.
 */
export class AttributeAdmission {
  private readonly admitted = new Set<string>();

  constructor(private readonly limit: number) {}

  /** Distinct attribute sets admitted so far (the overflow set not included). */
  get size(): number {
    return this.admitted.size;
  }

  /**
   * The attributes to record with: these ones while admitted, else the overflow set. Identity is the
   * SDK's own (`sdkAttributesKey`), so one admitted set is one exported series. An attribute set the
   * SDK could not key (a BigInt, a throwing getter) is passed on as it is, for the SDK to reject as it
   * would without us. `overflowed` is told the key of a set that is folded (bounded-observable.ts adds
   * up an observable's folded sets by it).
   */
  admit(attributes: Attributes | undefined, overflowed?: (key: string) => void): Attributes | undefined {
    let key: string;
    try {
      key = sdkAttributesKey(attributes ?? {});
    } catch {
      return attributes;
    }
    if (key === OVERFLOW_KEY || this.admitted.has(key)) return attributes;
    if (this.admitted.size < this.limit - 1) {
      this.admitted.add(key);
      return attributes;
    }
    overflowed?.(key);
    return OVERFLOW_ATTRIBUTES;
  }
}

/**
 * How the OTel SDK (sdk-metrics 2.x and 3.x, `hashAttributes`) tells attribute sets apart: the sorted
 * `[name, value]` pairs as JSON. Not exported by the SDK; admission must use the very same identity, or
 * two sets we count as one could still be two series (test/export/app-instrument-bounds.test.ts checks
 * the exported series against a plain SDK MeterProvider below the limit).
 */
export function sdkAttributesKey(attributes: Attributes): string {
  const names = Object.keys(attributes);
  if (names.length === 0) return '';
  names.sort();
  return JSON.stringify(names.map((name) => [name, attributes[name]]));
}

const OVERFLOW_KEY = sdkAttributesKey(OVERFLOW_ATTRIBUTES);
