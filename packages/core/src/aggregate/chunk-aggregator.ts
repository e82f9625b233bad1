import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { findMetric } from '../catalogue/catalogue.js';
import type { SeriesRecorder } from '../operation/plan.js';
import * as sc from '../semconv.js';
import { METER_NAME, VERSION } from '../version.js';
import { boundariesFor, type GenAiViewsOptions } from '../view/gen-ai-views.js';
import { HistogramAccumulator } from './histogram-accumulator.js';

/** The per-chunk and per-token series: the only metrics recorded many times per operation. */
export const CHUNK_SERIES_METRICS: readonly string[] = [
  sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
  sc.METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN,
];

export interface ChunkAggregatorOptions {
  /** The same options given to genAiViews(), so buckets, allow-list and cardinality limit agree. */
  views?: GenAiViewsOptions;
  /** Must match the reader's temporality preference for histograms. Default cumulative. */
  temporality?: 'cumulative' | 'delta';
}

const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });
const DEFAULT_CARDINALITY_LIMIT = 2000;

interface Series {
  attributes: Attributes;
  acc: HistogramAccumulator;
}

class AggregatedMetric {
  readonly series = new Map<string, Series>();
  /**
   * Set by the first value, as the SDK starts an accumulation at its first record: not at
   * construction, which in Cloudflare's workerd may run at module scope, where the clock reads 0.
   */
  startTime: HrTime | undefined;

  constructor(
    readonly name: string,
    readonly boundaries: readonly number[],
  ) {}
}

/**
 * Pre-aggregates per-chunk and per-token timings and hands them to the reader as an OTel
 * `MetricProducer`. Why: the SDK's `Histogram.record` hashes the attribute set on every call (~2 µs
 * with 6 attributes), which a 500-chunk stream would pay 500 times; here the attribute set is hashed
 * once per operation and each value costs a bucket search. The exported data has the same shape,
 * buckets, attribute filtering and cardinality limit as an SDK histogram behind `genAiViews()`.
 *
 * Register it on exactly one reader (`metricProducers: [aggregator]`); `setupMetrics` does this.
 */
export class ChunkAggregator implements MetricProducer {
  private readonly metrics = new Map<string, AggregatedMetric>();
  private readonly temporality: AggregationTemporality;
  private readonly allow: ReadonlySet<string> | undefined;
  private readonly cardinalityLimit: number;

  constructor(options: ChunkAggregatorOptions = {}) {
    const views = options.views ?? {};
    for (const name of CHUNK_SERIES_METRICS) {
      this.metrics.set(name, new AggregatedMetric(name, [...boundariesFor(name, views)]));
    }
    if (
      options.temporality !== undefined &&
      options.temporality !== 'cumulative' &&
      options.temporality !== 'delta'
    ) {
      throw new RangeError(
        `genai-metrics: chunk aggregator temporality must be 'cumulative' or 'delta', got '${String(options.temporality)}'`,
      );
    }
    this.temporality =
      options.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    this.allow = views.attributes ? new Set(views.attributes) : undefined;
    this.cardinalityLimit = views.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  }

  /** @internal the SeriesRecorder for one catalogue metric, or undefined if not aggregated here. */
  series(metricName: string): SeriesRecorder | undefined {
    const metric = this.metrics.get(metricName);
    if (!metric) return undefined;
    return { recordAll: (values, count, attributes) => this.add(metric, values, count, attributes) };
  }

  async collect(): Promise<CollectionResult> {
    const endTime = nowHrTime();
    const metrics: HistogramMetricData[] = [];
    for (const metric of this.metrics.values()) {
      if (metric.series.size === 0) continue;
      const def = findMetric(metric.name)!;
      metrics.push({
        descriptor: {
          name: metric.name,
          description: def.description,
          unit: def.unit,
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: this.temporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [...metric.series.values()]
          .filter((s) => s.acc.count > 0 || this.temporality === AggregationTemporality.CUMULATIVE)
          .map(({ attributes, acc }) => ({
            attributes,
            startTime: metric.startTime ?? endTime,
            endTime,
            value: {
              buckets: { boundaries: [...metric.boundaries], counts: Array.from(acc.counts) },
              count: acc.count,
              sum: acc.sum,
              ...(acc.count > 0 ? { min: acc.min, max: acc.max } : {}),
            },
          })),
      });
      if (this.temporality === AggregationTemporality.DELTA) {
        // Delta: each export covers the time since the previous one; idle series are dropped.
        metric.series.clear();
        metric.startTime = endTime;
      }
    }
    return {
      resourceMetrics: {
        resource: undefined as never, // the reader keeps the SDK producer's resource
        scopeMetrics: metrics.length ? [{ scope: { name: METER_NAME, version: VERSION }, metrics }] : [],
      },
      errors: [],
    };
  }

  private add(metric: AggregatedMetric, values: Float64Array, count: number, attributes: Attributes): void {
    metric.startTime ??= nowHrTime();
    const filtered = this.allow ? filterAttributes(attributes, this.allow) : attributes;
    const key = attributeKey(filtered);
    let series = metric.series.get(key);
    if (!series) {
      if (metric.series.size >= this.cardinalityLimit - 1) {
        const overflowKey = attributeKey(OVERFLOW_ATTRIBUTES);
        series = metric.series.get(overflowKey);
        if (!series) {
          series = { attributes: OVERFLOW_ATTRIBUTES, acc: new HistogramAccumulator(metric.boundaries) };
          metric.series.set(overflowKey, series);
        }
      } else {
        series = { attributes: { ...filtered }, acc: new HistogramAccumulator(metric.boundaries) };
        metric.series.set(key, series);
      }
    }
    series.acc.addAll(values, count);
  }
}

/** The same key for equal attribute sets whatever their key order. */
function attributeKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let out = '';
  for (const k of keys) out += `${JSON.stringify(k)}:${JSON.stringify(attributes[k])},`;
  return out;
}

function filterAttributes(attributes: Attributes, allow: ReadonlySet<string>): Attributes {
  const out: Attributes = {};
  for (const k of Object.keys(attributes)) if (allow.has(k)) out[k] = attributes[k];
  return out;
}

function nowHrTime(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))];
}
