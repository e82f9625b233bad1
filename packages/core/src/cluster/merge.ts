import type { Attributes, HrTime } from '@opentelemetry/api';
import { DataPointType, type MetricData, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { type Exemplar, exemplarsOf, newestPerBucket, type WithExemplars } from '../exemplar/exemplar.js';
import { warnOnce } from '../input/report.js';
import { OVERFLOW_ATTRIBUTES } from '../record/series-table.js';
import type { TimeSlice } from '../runtime/time-slice.js';
import { commonBoundaries, onBoundaries, sameBoundaries } from './bucket-layout.js';
import { addExact, addExactAll, type ExactSum, roundExact } from './exact-sum.js';
import { keptAfterExit, type MergeRule, type MergeRules, ruleFor } from './merge-rules.js';
import { smallestKeys } from './smallest-keys.js';

/** Where a batch of scopes comes from. */
export interface Contribution {
  /** False for a process that exited: only the data `keptAfterExit` counts. */
  live: boolean;
  /** With `processLabel`: the value of the per-process attribute for this contribution. */
  label?: string;
  /** Metrics first seen in this contribution are not held to `cardinalityLimit` (our self-metric). */
  unbounded?: boolean;
}

/** The attribute a per-process label is written under (off by default). */
export const PROCESS_LABEL = 'service.instance.id';
/** Its value for the totals of processes that exited. */
export const EXITED_LABEL = 'exited';

/** Points merged between two looks at the time slice (a few tens of microseconds of work). */
const STEP_POINTS = 64;

const OVERFLOW: Attributes = OVERFLOW_ATTRIBUTES;
const OVERFLOW_KEY = attributesKey(OVERFLOW);

interface HistogramValue {
  buckets: { boundaries: number[]; counts: number[] };
  count: number;
  sum?: number;
  min?: number;
  max?: number;
}

/** One merged data point: a copy of the first contribution's point (unknown fields kept) plus exact sums. */
interface Point {
  attributes: Attributes;
  startTime: HrTime;
  endTime: HrTime;
  value: unknown;
  [field: string]: unknown;
}

interface PointAcc {
  point: Point;
  /** SUM/GAUGE under rule 'sum': the value; HISTOGRAM: the sum of values. */
  exact: ExactSum | undefined;
}

interface MetricAcc {
  metric: MetricData;
  rule: MergeRule;
  points: Map<string, PointAcc>;
  bounded: boolean;
}

interface ScopeAcc {
  scope: ScopeMetrics['scope'];
  metrics: Map<string, MetricAcc>;
}

export interface ResultOptions {
  keepExact?: boolean;
}

export interface MergerOptions {
  rules: MergeRules;
  processLabel?: boolean;
  /** Series per metric beyond which new attribute sets go to one overflow series (folded data). */
  seriesLimit?: number;
  /**
   * Series per metric in the result, the overflow series included (a scrape: `views.cardinalityLimit`).
   * See `bound()`.
   */
  cardinalityLimit?: number;
}

/**
 * Merges the collections of several processes into one, in OTel's own data model, per scope, metric
 * and attribute set, by the metric's merge rule (merge-rules.ts): counters and histograms (buckets,
 * count, sum, min, max) are added, gauges follow their rule. Contributions are added oldest member
 * first, which is what `one` relies on. Floating-point sums are exact (exact-sum.ts), so the merged
 * value of a counter only goes up as its parts go up, whichever way they are grouped.
 */
export class Merger {
  private readonly scopes = new Map<string, ScopeAcc>();

  constructor(private readonly options: MergerOptions) {}

  add(scopes: readonly ScopeMetrics[], from: Contribution): void {
    for (const _ of this.steps(scopes, from));
  }

  /**
   * The same as `add`, letting the event loop run whenever `slice` is due: a scrape merges every
   * member's points on the serving process's loop, which must never be held for long.
   */
  async addSliced(scopes: readonly ScopeMetrics[], from: Contribution, slice: TimeSlice): Promise<void> {
    for (const _ of this.steps(scopes, from)) if (slice.due()) await slice.pause();
  }

  /** The merge itself, one step per STEP_POINTS points, so `add` and `addSliced` share it. */
  private *steps(scopes: readonly ScopeMetrics[], from: Contribution): Generator<void> {
    let done = 0;
    for (const sm of scopes) {
      // By meter name alone: during a rolling upgrade the members run two releases whose meters differ
      // in version (and maybe schema URL), and the old release's totals stay in the folded data for good.
      // Kept apart, each release would add its own set of series forever (told apart by scope labels,
      // or duplicates without them); merged, the series go on as one. The first contribution's scope
      // (the oldest live member's) names the merged one, the same whichever member serves.
      const scopeKey = sm.scope.name;
      for (const metric of sm.metrics) {
        const rule = ruleFor(sm.scope.name, metric, this.options.rules);
        if (!from.live && !keptAfterExit(rule, metric)) continue;
        let scope = this.scopes.get(scopeKey);
        if (!scope) {
          scope = { scope: sm.scope, metrics: new Map() };
          this.scopes.set(scopeKey, scope);
        }
        let acc = scope.metrics.get(metric.descriptor.name);
        if (!acc) {
          acc = { metric, rule, points: new Map(), bounded: from.unbounded !== true };
          scope.metrics.set(metric.descriptor.name, acc);
        } else if (!sameDefinition(acc.metric, metric)) {
          this.warnOnce(
            metric.descriptor.name,
            'has a different type, unit or temporality in another process',
          );
          continue;
        }
        const label = this.options.processLabel && rule !== 'one' ? from.label : undefined;
        for (const p of metric.dataPoints as unknown as Point[]) {
          this.addPoint(acc, p, label);
          if (++done % STEP_POINTS === 0) yield;
        }
      }
    }
  }

  private addPoint(acc: MetricAcc, p: Point, label: string | undefined): void {
    let attributes = p.attributes ?? {};
    if (label !== undefined) attributes = { ...attributes, [PROCESS_LABEL]: label };
    let key = attributesKey(attributes);
    let existing = acc.points.get(key);
    const limit = this.options.seriesLimit;
    if (!existing && limit !== undefined && acc.points.size >= limit) {
      attributes = OVERFLOW;
      key = attributesKey(attributes);
      existing = acc.points.get(key);
    }
    if (!existing) {
      const point = { ...p, attributes };
      if (acc.metric.dataPointType === DataPointType.HISTOGRAM) {
        const v = p.value as HistogramValue;
        point.value = {
          ...v,
          buckets: { boundaries: [...v.buckets.boundaries], counts: [...v.buckets.counts] },
        };
      }
      acc.points.set(key, { point, exact: this.exactOf(acc, p) });
      return;
    }
    this.combine(acc, existing, p);
  }

  private exactOf(acc: MetricAcc, p: Point): ExactSum | undefined {
    if (acc.rule !== 'sum') return undefined;
    const known = p.exact;
    if (Array.isArray(known)) return [...(known as number[])];
    const v =
      acc.metric.dataPointType === DataPointType.HISTOGRAM ? (p.value as HistogramValue).sum : p.value;
    return typeof v === 'number' ? [v] : undefined;
  }

  private combine(acc: MetricAcc, into: PointAcc, p: Point): void {
    const target = into.point;
    // Unknown fields of the later contribution win; known ones are merged below, exemplars too.
    const { attributes, startTime, endTime, value, exact: _exact, exemplars, ...unknown } = p;
    Object.assign(target, unknown);
    target.startTime = earlier(target.startTime, startTime);
    target.endTime = later(target.endTime, endTime);
    if (acc.metric.dataPointType === DataPointType.HISTOGRAM) {
      if (acc.rule !== 'sum') return;
      const a = target.value as HistogramValue;
      let b = value as HistogramValue;
      if (!sameBoundaries(a.buckets.boundaries, b.buckets.boundaries)) {
        const common = commonBoundaries(a.buckets.boundaries, b.buckets.boundaries);
        if (common === undefined) {
          this.warnOnce(acc.metric.descriptor.name, 'has bucket boundaries out of order in another process');
          return;
        }
        this.warnOnce(
          acc.metric.descriptor.name,
          'has other bucket boundaries in another process: merged on the boundaries both have',
          false,
        );
        a.buckets = onBoundaries(a.buckets, common);
        b = { ...b, buckets: onBoundaries(b.buckets, common) };
        // At most one exemplar per bucket of the coarser layout (the exposition writes one per bucket).
        const ours = exemplarsOf(target as WithExemplars);
        if (ours !== undefined)
          target.exemplars = newestPerBucket(common, ours).filter((e) => e !== undefined);
      }
      for (let i = 0; i < a.buckets.counts.length; i++) a.buckets.counts[i]! += b.buckets.counts[i] ?? 0;
      mergeExemplars(target, exemplars, a.buckets.boundaries);
      a.count += b.count;
      if (b.min !== undefined) a.min = a.min === undefined ? b.min : Math.min(a.min, b.min);
      if (b.max !== undefined) a.max = a.max === undefined ? b.max : Math.max(a.max, b.max);
      this.addToExact(into, p, b.sum);
      return;
    }
    if (typeof value !== 'number') return;
    switch (acc.rule) {
      case 'sum':
        this.addToExact(into, p, value);
        break;
      case 'max':
        target.value = Math.max(target.value as number, value);
        break;
      case 'min':
        target.value = Math.min(target.value as number, value);
        break;
      case 'one':
        break;
    }
  }

  private addToExact(into: PointAcc, p: Point, plain: number | undefined): void {
    into.exact ??= [];
    if (Array.isArray(p.exact)) addExactAll(into.exact, p.exact as number[]);
    else if (typeof plain === 'number') addExact(into.exact, plain);
  }

  /**
   * The merged scopes. `keepExact` leaves each point's exact partials in an `exact` field (for data
   * folded into a file, which later merges add exactly); otherwise they are rounded away.
   */
  result(options: ResultOptions = {}): ScopeMetrics[] {
    const out: ScopeMetrics[] = [];
    for (const _ of this.resultSteps(options, out));
    return out;
  }

  /**
   * The same as `result`, letting the event loop run whenever `slice` is due: folded totals hold up to
   * FOLDED_SERIES_LIMIT series per metric, ten times what one process keeps, and rounding and copying
   * them all in one turn held the serving process's event loop for tens to hundreds of milliseconds.
   */
  async resultSliced(slice: TimeSlice, options: ResultOptions = {}): Promise<ScopeMetrics[]> {
    const out: ScopeMetrics[] = [];
    for (const _ of this.resultSteps(options, out)) if (slice.due()) await slice.pause();
    return out;
  }

  private *resultSteps(options: ResultOptions, out: ScopeMetrics[]): Generator<void> {
    let done = 0;
    for (const { scope, metrics } of this.scopes.values()) {
      const list: MetricData[] = [];
      for (const acc of metrics.values()) {
        yield* this.bound(acc);
        const dataPoints: object[] = [];
        for (const { point, exact } of acc.points.values()) {
          dataPoints.push(this.finished(acc, point, exact, options));
          if (++done % STEP_POINTS === 0) yield;
        }
        if (dataPoints.length > 0) list.push({ ...acc.metric, dataPoints } as unknown as MetricData);
      }
      if (list.length > 0) out.push({ scope, metrics: list });
    }
  }

  /**
   * Holds a metric to `cardinalityLimit` series, as each process holds its own: every process admits up
   * to the limit, but their attribute sets differ (a model per tenant, routed to any worker), so the merge
   * of N processes had up to N × limit series. Which sets keep their own series cannot be the first come,
   * as in one process: contributions are added oldest member first, and which members are live, and which
   * one's folded totals hold an exited member, change between scrapes — a series would move into the
   * overflow series and back out, and the overflow (a counter) would go down. The first `limit - 1` sets
   * in key order keep theirs instead, the same whichever member serves; as the sets of cumulative data
   * only grow, a set that moves into the overflow never comes back, so the overflow only grows too. The
   * rest add into the `otel.metric.overflow` series: values conserved, histograms bucket-wise.
   */
  private *bound(acc: MetricAcc): Generator<void> {
    const limit = this.options.cardinalityLimit;
    if (limit === undefined || !acc.bounded || acc.points.size <= limit) return;
    const kept = new Set<string>();
    const keys = [...acc.points.keys()].filter((k) => k !== OVERFLOW_KEY);
    yield* smallestKeys(keys, Math.max(0, limit - 1), kept, STEP_POINTS);
    let into = acc.points.get(OVERFLOW_KEY);
    let done = 0;
    for (const key of keys) {
      if (kept.has(key)) continue;
      const from = acc.points.get(key)!;
      acc.points.delete(key);
      if (into === undefined) {
        // The point is ours (a copy made by addPoint): it becomes the overflow series.
        into = { point: { ...from.point, attributes: OVERFLOW }, exact: from.exact };
        acc.points.set(OVERFLOW_KEY, into);
      } else {
        this.combine(acc, into, { ...from.point, exact: from.exact });
      }
      if (++done % STEP_POINTS === 0) yield;
    }
  }

  private finished(
    acc: MetricAcc,
    point: Point,
    exact: ExactSum | undefined,
    options: ResultOptions,
  ): object {
    const { exact: _drop, ...rest } = point;
    if (exact) {
      const rounded = roundExact(exact);
      if (acc.metric.dataPointType === DataPointType.HISTOGRAM) {
        rest.value = { ...(rest.value as HistogramValue), sum: rounded };
      } else {
        rest.value = rounded;
      }
      if (options.keepExact) (rest as Record<string, unknown>).exact = exact;
    }
    return rest;
  }

  /**
   * Once per process, metric and problem — not once per merge: what it says lasts (an exited process's
   * totals keep their layout or unit until the cluster restarts), and every scrape repeating it buried
   * the serving process's log. Per problem: other buckets in one member must not hide another's unit.
   */
  private warnOnce(metric: string, what: string, leftOut = true): void {
    warnOnce(
      `cluster:merge:${metric}\u0000${what}`,
      `genai-metrics cluster: metric '${metric}' ${what}${leftOut ? "; that process's points are left out" : ''}`,
    );
  }
}

/** The attributes every resource agrees on (so target_info is the same whichever process serves). */
export function commonAttributes(resources: readonly Attributes[]): Attributes {
  if (resources.length === 0) return {};
  const [first, ...rest] = resources;
  const out: Attributes = {};
  for (const [k, v] of Object.entries(first!)) {
    if (rest.every((r) => sameValue(r[k], v))) out[k] = v;
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function attributesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let key = '';
  for (const k of keys) key += `${JSON.stringify(k)}:${JSON.stringify(attributes[k])},`;
  return key;
}

/**
 * Each bucket keeps the newest exemplar of any process (the reservoir's own rule), so a slow request
 * in one worker stays linked to its trace whichever worker serves the scrape. Cheap: a point carries at
 * most one exemplar per bucket.
 */
function mergeExemplars(target: Point, incoming: unknown, boundaries: readonly number[]): void {
  const theirs = exemplarsOf({ exemplars: incoming });
  if (theirs === undefined) return;
  const ours = exemplarsOf(target as WithExemplars);
  target.exemplars = newestPerBucket(boundaries, ours, theirs).filter((e): e is Exemplar => e !== undefined);
}

/**
 * Whether two processes' points of one metric name can be added: the same kind of point, the same
 * temporality, and the same unit and monotonicity — seconds plus milliseconds, dollars plus euros, or a
 * counter plus an up-down counter's falling values (a reset in Prometheus) are wrong numbers.
 */
function sameDefinition(a: MetricData, b: MetricData): boolean {
  return (
    a.dataPointType === b.dataPointType &&
    a.aggregationTemporality === b.aggregationTemporality &&
    a.descriptor.unit === b.descriptor.unit &&
    (a.dataPointType !== DataPointType.SUM || a.isMonotonic === (b as typeof a).isMonotonic)
  );
}

function earlier(a: HrTime, b: HrTime | undefined): HrTime {
  if (!b) return a;
  return b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]) ? b : a;
}

function later(a: HrTime, b: HrTime | undefined): HrTime {
  if (!b) return a;
  return b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a;
}
