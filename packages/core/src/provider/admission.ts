import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { truncate } from '../input/truncate.js';
import { repairedLoneSurrogates } from '../input/well-formed.js';
import { OVERFLOW_ATTRIBUTES } from '../record/series-table.js';

/** How long a label value of the app's own instruments may be, and who counts a cut or a repair. */
export interface ValueLengthBound {
  /** `attributeValueLengthLimit`, in UTF-16 code units (as genai-metrics cuts its own values). */
  readonly limit: number;
  /** Told each string cut (before the cut), to count it in `llm.input.sanitized`. */
  truncated(value: string): void;
  /** Told each attribute name or string value whose lone surrogates became U+FFFD, to count it. */
  loneSurrogate(value: string): void;
}

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

  constructor(
    private readonly limit: number,
    private readonly values: ValueLengthBound,
  ) {}

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
      // Cut first, and key the cut set: a long value and its cut twin are one series, as in the SDK.
      if (attributes !== undefined) attributes = boundValueLength(attributes, this.values);
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
 * `attributes` with every string value, and every string in an array value, longer than the bound
 * cut as genai-metrics cuts its own label values (`truncate`, with its visible suffix), and every lone
 * surrogate in a name or a string replaced by U+FFFD (as genai-metrics repairs its own), each counted;
 * the same object when nothing is (the common case pays a length and a well-formedness check per
 * value). The SDK has no such limit for metrics (its `attributeValueLengthLimit` is the tracer's): it
 * keeps a 1 MB value put in a label by mistake and writes it into every scrape, once per histogram
 * bucket. And it keys `m\uD800` and `m\uDC00` apart while every exporter writes both as `m\uFFFD`: one
 * label set written twice, of which a real Prometheus keeps one value and drops the other.
 */
export function boundValueLength(attributes: Attributes, bound: ValueLengthBound): Attributes {
  let copy: Attributes | undefined;
  let renamed = false;
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    let cut: AttributeValue | undefined = value;
    if (typeof value === 'string') cut = boundString(value, bound);
    else if (Array.isArray(value)) cut = boundArray(value, bound);
    if (cut !== value) {
      copy ??= { ...attributes };
      copy[name] = cut;
    }
    if (repaired(name, bound) !== undefined) renamed = true;
  }
  return renamed ? withWellFormedNames(copy ?? attributes) : (copy ?? attributes);
}

/** A copy with each name made well-formed, in the same order (the exported attributes keep it). */
function withWellFormedNames(attributes: Attributes): Attributes {
  const out: Attributes = {};
  for (const name of Object.keys(attributes)) {
    out[repairedLoneSurrogates(name) ?? name] = attributes[name];
  }
  return out;
}

function boundArray(values: readonly unknown[], bound: ValueLengthBound): AttributeValue {
  let copy: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'string') continue;
    const cut = boundString(value, bound);
    if (cut !== value) {
      copy ??= values.slice();
      copy[i] = cut;
    }
  }
  return (copy ?? values) as AttributeValue;
}

/** `value` cut to the limit, then with its lone surrogates repaired (only what is kept is looked at). */
function boundString(value: string, bound: ValueLengthBound): string {
  let kept = value;
  if (value.length > bound.limit) {
    tell(bound, 'truncated', value);
    kept = truncate(value, bound.limit);
  }
  return repaired(kept, bound) ?? kept;
}

function repaired(value: string, bound: ValueLengthBound): string | undefined {
  const wellFormed = repairedLoneSurrogates(value);
  if (wellFormed !== undefined) tell(bound, 'loneSurrogate', value);
  return wellFormed;
}

function tell(bound: ValueLengthBound, what: 'truncated' | 'loneSurrogate', value: string): void {
  try {
    bound[what](value);
  } catch {
    // counting is best effort
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
