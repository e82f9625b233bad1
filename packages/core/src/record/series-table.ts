import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { MetricDefinition } from '../catalogue/catalogue.js';
import { readProperty } from '../input/read.js';
import type { Sanitizer } from '../input/sanitizer.js';
import { ABSENT, keyPart } from './attribute-key.js';

/** The attribute set every measurement beyond the cardinality limit is recorded under (as the OTel SDK names it). */
export const OVERFLOW_ATTRIBUTE = 'otel.metric.overflow';
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ [OVERFLOW_ATTRIBUTE]: true });
/** The OTel SDK's default `aggregationCardinalityLimit`. */
export const DEFAULT_CARDINALITY_LIMIT = 2000;

export interface SeriesTableOptions {
  /** `views.attributes`: attributes outside it are dropped before the key is worked out. */
  readonly allowList?: ReadonlySet<string> | undefined;
  /** `views.cardinalityLimit`: series per metric, the overflow series included. */
  readonly cardinalityLimit: number;
}

/**
 * The attribute sets of one metric and the series bound to each: the place where the attribute
 * filter, value sanitising and the cardinality bound are applied (see record/bound-series.ts).
 *
 * Admission is cumulative, not per collection: the first `cardinalityLimit - 1` distinct attribute
 * sets ever bound keep their own series, and every later set binds the one overflow series. The OTel
 * SDK applies its limit to each collection's new measurements only and then merges them into the
 * cumulative state without a bound, so with many distinct values its exported series grow by up to the
 * limit per collection; admitting here, before the SDK (or our producer) sees the attributes, is what
 * makes the limit hold for the exported state. Rejected sets are not remembered, so memory stays
 * bounded by the limit whatever the input.
 */
export class SeriesTable<S> {
  /** Attribute names this metric records, sorted: the catalogue's, narrowed by the allow-list. */
  readonly names: readonly string[];
  private readonly series = new Map<string, S>();
  private overflow: S | undefined;
  private readonly limit: number;

  constructor(
    readonly definition: MetricDefinition,
    options: SeriesTableOptions,
    private readonly create: (attributes: Attributes, sanitizer: Sanitizer) => S,
  ) {
    const allow = options.allowList;
    this.names = [...new Set(definition.attributes)].filter((n) => !allow || allow.has(n)).sort();
    this.limit = options.cardinalityLimit;
  }

  /** Series bound so far, the overflow series included: never more than the cardinality limit. */
  get size(): number {
    return this.series.size + (this.overflow === undefined ? 0 : 1);
  }

  /**
   * The series for these attributes (each declared attribute read once; others ignored). `sanitizer`
   * bounds and counts the values (it belongs to the GenAiMetrics that binds). Never throws.
   */
  bind(attributes: unknown, sanitizer: Sanitizer): S {
    const filtered: Attributes = {};
    let key = '';
    for (const name of this.names) {
      const raw = readProperty(attributes, name);
      const value: AttributeValue | undefined =
        raw === undefined ? undefined : sanitizer.attributeValue(raw, 'attributes');
      if (value === undefined) {
        key += ABSENT;
      } else {
        filtered[name] = value;
        key += keyPart(value);
      }
    }
    const existing = this.series.get(key);
    if (existing !== undefined) return existing;
    if (this.series.size < this.limit - 1) {
      const created = this.create(Object.freeze(filtered), sanitizer);
      this.series.set(key, created);
      return created;
    }
    if (this.overflow === undefined) this.overflow = this.create(OVERFLOW_ATTRIBUTES, sanitizer);
    return this.overflow;
  }

  /** Every series bound so far (for collection), the overflow series last. */
  *entries(): IterableIterator<S> {
    yield* this.series.values();
    if (this.overflow !== undefined) yield this.overflow;
  }
}
