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
 * A key with the OTel SDK's own notion of one attribute set (sdk-metrics 2.x and 3.x `hashAttributes`:
 * the sorted `[name, value]` pairs as JSON), so that one admitted set is one exported series, never
 * split between its own series and the overflow. Built by hand rather than with JSON.stringify, which
 * costs as much again as the SDK's whole record; every value JSON writes alike gets one key (NaN,
 * ±Infinity, null, undefined, symbols and functions are JSON's `null`; -0 is 0), and arrays or objects
 * are left to JSON.stringify. test/provider-admission.test.ts checks this against the SDK's function.
 */
export function sdkAttributesKey(attributes: Attributes): string {
  const names = Object.keys(attributes);
  if (names.length === 0) return '';
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) {
    // Length-prefixed names and strings, and a terminator no JSON text contains: no two sets collide.
    key += `${name.length}:${name}`;
    const value: unknown = attributes[name];
    switch (typeof value) {
      case 'string':
        key += `s${value.length}:${value}`;
        break;
      case 'number':
        key += Number.isFinite(value) ? `n${value};` : '_';
        break;
      case 'boolean':
        key += value ? 't' : 'f';
        break;
      case 'object': {
        // An array (what the API allows) or an object; one whose toJSON gives a string or number keeps
        // a class of its own, apart from that primitive: a slot more, never a series more.
        const json = value === null ? undefined : JSON.stringify(value);
        key += json === undefined || json === 'null' ? '_' : `j${json}\u0000`;
        break;
      }
      case 'bigint':
        // JSON.stringify throws on it, as the SDK's hash does: the caller passes the set on untouched.
        throw new TypeError('a BigInt attribute value');
      default:
        key += '_';
    }
  }
  return key;
}

const OVERFLOW_KEY = sdkAttributesKey(OVERFLOW_ATTRIBUTES);
