import type { Attributes } from '@opentelemetry/api';
import { type BoundSeries, NOOP_SERIES, type SeriesBinder } from '../record/bound-series.js';
import * as sc from '../semconv.js';
import type { Slot } from './plan.js';

/** Failed-operation series cached per group (error types are few; a caller's override could be many). */
const ERROR_SERIES_CACHED = 32;
/** Attribute tuples whose groups are kept; beyond this the cache starts over (series stay bound in the binder). */
const GROUPS_CACHED = 2048;

/**
 * The series of every slot for one attribute tuple (operation, provider, models, server), bound on
 * first use and then reused by every operation with the same tuple: an operation pays one key lookup
 * for its tuple, not one attribute-set hash per record.
 */
export class SeriesGroup {
  private readonly bound: (BoundSeries | undefined)[];
  private errors: Map<string, BoundSeries> | undefined;

  constructor(
    private readonly groups: SeriesGroups,
    readonly attributes: Attributes,
  ) {
    this.bound = new Array<BoundSeries | undefined>(groups.slots.length).fill(undefined);
  }

  /** The series of `slot` (NONE: a series that records nothing). */
  series(slot: number): BoundSeries {
    if (slot < 0) return NOOP_SERIES;
    let s = this.bound[slot];
    if (s === undefined) {
      s = this.groups.bind(slot, this.attributes);
      this.bound[slot] = s;
    }
    return s;
  }

  /** The series of `slot` with `error.type` added, for failed operations. */
  failed(slot: number, errorType: string): BoundSeries {
    if (slot < 0) return NOOP_SERIES;
    const key = `${slot}\u0000${errorType}`;
    let s = this.errors?.get(key);
    if (s === undefined) {
      s = this.groups.bind(slot, { ...this.attributes, [sc.ATTR_ERROR_TYPE]: errorType });
      this.errors ??= new Map();
      if (this.errors.size < ERROR_SERIES_CACHED) this.errors.set(key, s);
    }
    return s;
  }
}

/** The group cache of one GenAiMetrics. */
export class SeriesGroups {
  private readonly cache = new Map<string, SeriesGroup>();

  constructor(
    private readonly binder: SeriesBinder,
    readonly slots: readonly Slot[],
  ) {}

  /** The group for `key`, creating it with `attributes()` on a miss. */
  get(key: string, attributes: () => Attributes): SeriesGroup {
    let group = this.cache.get(key);
    if (group === undefined) {
      if (this.cache.size >= GROUPS_CACHED) this.cache.clear();
      group = new SeriesGroup(this, attributes());
      this.cache.set(key, group);
    }
    return group;
  }

  bind(slot: number, attributes: Attributes): BoundSeries {
    const { metric, extra } = this.slots[slot]!;
    return this.binder.bind(metric, extra ? { ...attributes, ...extra } : attributes) ?? NOOP_SERIES;
  }
}
