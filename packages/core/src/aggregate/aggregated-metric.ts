import { type HrTime, ValueType } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  InstrumentType,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import type { MetricDefinition } from '../catalogue/catalogue.js';
import type { WithExemplars } from '../exemplar/exemplar.js';
import type { Sanitizer } from '../input/sanitizer.js';
import { SeriesTable, type SeriesTableOptions } from '../record/series-table.js';
import type { TimeSlice } from '../runtime/time-slice.js';
import { hrTime } from './bucket-exemplars.js';
import { HistogramState, type SeriesState, SumState } from './series-state.js';

const INSTRUMENT_TYPE = {
  histogram: InstrumentType.HISTOGRAM,
  counter: InstrumentType.COUNTER,
  upDownCounter: InstrumentType.UP_DOWN_COUNTER,
} as const;

export type AggregatedKind = keyof typeof INSTRUMENT_TYPE;

/** Series collected between two looks at the clock. */
const SERIES_PER_CHECK = 64;

/**
 * One catalogue metric on the producer path: its admitted series (a SeriesTable) and how to turn them
 * into the MetricData an SDK instrument behind `genAiViews()` would export — same descriptor, points,
 * start and end times.
 */
export class AggregatedMetric {
  readonly table: SeriesTable<SeriesState>;
  readonly instrumentType: InstrumentType;
  /** Time of the previous collection: where a delta point of a series exported then starts. */
  private lastCollectionMs = -1;
  private descriptor: MetricData['descriptor'];

  constructor(
    readonly definition: MetricDefinition & { instrument: AggregatedKind },
    options: SeriesTableOptions,
    boundaries: readonly number[] | undefined,
    unit: string,
  ) {
    const kind = definition.instrument;
    this.instrumentType = INSTRUMENT_TYPE[kind];
    const name = definition.name;
    const create =
      kind === 'histogram'
        ? (attributes: SeriesState['attributes'], sanitizer: Sanitizer) =>
            new HistogramState(attributes, name, sanitizer, boundaries ?? [])
        : (attributes: SeriesState['attributes'], sanitizer: Sanitizer) =>
            new SumState(attributes, kind, name, sanitizer);
    this.table = new SeriesTable<SeriesState>(definition, options, create);
    // The SDK's InstrumentDescriptor, as it appears in exported MetricData.
    this.descriptor = {
      name,
      type: this.instrumentType,
      description: definition.description,
      unit,
      valueType: ValueType.DOUBLE,
      advice: {},
    } as MetricData['descriptor'];
  }

  /** The unit of llm.usage.cost is the price table's currency, known only when a GenAiMetrics connects. */
  setUnit(unit: string): void {
    this.descriptor = { ...this.descriptor, unit };
  }

  /**
   * This metric's points for a collection at `nowMs`, or undefined when there are none (as the SDK).
   * Tens of thousands of series take longer than the app can wait: between series, `slice` lets the
   * event loop turn (each series' point is taken whole, so records in between land in this point or
   * the next, never in neither).
   */
  async collect(
    nowMs: number,
    temporality: AggregationTemporality,
    slice: TimeSlice,
  ): Promise<MetricData | undefined> {
    const delta = temporality === AggregationTemporality.DELTA;
    const endTime = hrTime(nowMs);
    const points: DataPoint<number | Histogram>[] = [];
    const histogram = this.definition.instrument === 'histogram';
    let sinceCheck = 0;
    for (const s of this.table.entries()) {
      if (++sinceCheck === SERIES_PER_CHECK) {
        sinceCheck = 0;
        if (slice.due()) await slice.pause();
      }
      if (delta) {
        const recorded = s.firstRecordMs >= 0;
        if (recorded) {
          const start = s.exportedLast ? this.lastCollectionMs : s.firstRecordMs;
          points.push(
            histogram
              ? histogramPoint(s as HistogramState, start, endTime, false)
              : sumPoint(s as SumState, start, endTime, false),
          );
          s.resetInterval();
          // A delta point carries the exemplars of its own interval only.
          if (histogram) (s as HistogramState).exemplars?.clear();
        }
        s.exportedLast = recorded;
      } else {
        if (s.firstEverMs < 0) continue;
        s.accumulate();
        points.push(
          histogram
            ? histogramPoint(s as HistogramState, s.firstEverMs, endTime, true)
            : sumPoint(s as SumState, s.firstEverMs, endTime, true),
        );
      }
    }
    this.lastCollectionMs = nowMs;
    if (points.length === 0) return undefined;
    if (histogram) {
      return {
        descriptor: this.descriptor,
        aggregationTemporality: temporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: points as DataPoint<Histogram>[],
      };
    }
    return {
      descriptor: this.descriptor,
      aggregationTemporality: temporality,
      dataPointType: DataPointType.SUM,
      dataPoints: points as DataPoint<number>[],
      isMonotonic: this.definition.instrument === 'counter',
    };
  }
}

function histogramPoint(
  s: HistogramState,
  startMs: number,
  endTime: HrTime,
  total: boolean,
): DataPoint<Histogram> {
  const point: DataPoint<Histogram> & WithExemplars = {
    attributes: s.attributes,
    startTime: hrTime(startMs),
    endTime,
    value: {
      min: total ? s.totalMin : s.min,
      max: total ? s.totalMax : s.max,
      sum: total ? s.totalSum : s.sum,
      buckets: { boundaries: s.boundaries as number[], counts: Array.from(total ? s.totalCounts : s.counts) },
      count: total ? s.totalCount : s.count,
    },
  };
  // Cumulative points keep each bucket's newest exemplar across collections (Prometheus ignores one
  // it already stored); absent when the series never had one.
  const exemplars = s.exemplars?.toExemplars();
  if (exemplars !== undefined && exemplars.length > 0) point.exemplars = exemplars;
  return point;
}

function sumPoint(s: SumState, startMs: number, endTime: HrTime, total: boolean): DataPoint<number> {
  return { attributes: s.attributes, startTime: hrTime(startMs), endTime, value: total ? s.total : s.value };
}
