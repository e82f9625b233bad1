import {
  AggregationTemporality,
  type AggregationTemporalitySelector,
  type CollectionResult,
  InstrumentType,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { CATALOGUE, type MetricDefinition } from '../catalogue/catalogue.js';
import { describeValue } from '../input/describe.js';
import { readOptions } from '../input/options.js';
import { markHandled } from '../input/read.js';
import { warnOnce } from '../input/report.js';
import type { Sanitizer } from '../input/sanitizer.js';
import type { BoundSeries, SeriesBinder } from '../record/bound-series.js';
import { SCRAPE_SLICE_MS, TimeSlice } from '../runtime/time-slice.js';
import * as sc from '../semconv.js';
import { METER_NAME, VERSION } from '../version.js';
import {
  boundariesFor,
  type GenAiViewsOptions,
  resolveViewLimits,
  snapshotViews,
  viewsDifference,
} from '../view/gen-ai-views.js';
import { type AggregatedKind, AggregatedMetric } from './aggregated-metric.js';

/**
 * Which temporality each instrument kind is exported with: the reader's choice, which the producer
 * cannot ask the reader for. `cumulative`, `delta` and `lowmemory` mean what they mean for the OTLP
 * exporter's temporality preference (delta: counters and histograms delta, up-down counters
 * cumulative; lowmemory: the same); a function is asked per instrument type, e.g.
 * `(type) => exporter.selectAggregationTemporality(type)`.
 */
export type TemporalityOption = 'cumulative' | 'delta' | 'lowmemory' | AggregationTemporalitySelector;

export interface GenAiMetricProducerOptions {
  /** The same options given to genAiViews(), so buckets, allow-list and cardinality limit agree. */
  views?: GenAiViewsOptions;
  /** Must match the reader's temporality (see TemporalityOption). Default cumulative. */
  temporality?: TemporalityOption;
}

const SCOPE = { name: METER_NAME, version: VERSION, schemaUrl: undefined };

/**
 * Pre-aggregated GenAI metrics handed to a reader as an OTel `MetricProducer`. Why: the SDK's
 * `Histogram.record` hashes the attribute set on every call (~2 µs with 6 attributes), which an
 * operation pays for each of its records and a stream for each chunk; here an operation binds its
 * series once and each value costs a bucket search. The exported data has the same names, units,
 * buckets, attribute filtering, cardinality limit, temporality and start times as SDK instruments
 * behind `genAiViews()` (tested point for point).
 *
 * Register it on exactly one reader (`metricProducers: [producer]`); `setupMetrics` does this.
 */
export class GenAiMetricProducer implements MetricProducer {
  private readonly metrics = new Map<string, AggregatedMetric>();
  private readonly selectTemporality: AggregationTemporalitySelector;
  /** The views options it was built with (a plain copy), to check a GenAiMetrics' against. */
  private readonly views: GenAiViewsOptions;

  constructor(options: GenAiMetricProducerOptions = {}) {
    const o = readOptions(options, ['views', 'temporality'], 'genai-metrics: new GenAiMetricProducer()');
    const views = snapshotViews(o.views) ?? {};
    this.views = views;
    const limits = resolveViewLimits(views);
    this.selectTemporality = temporalitySelector(o.temporality as TemporalityOption | undefined);
    for (const def of CATALOGUE) {
      if (!isAggregated(def)) continue;
      const boundaries = def.instrument === 'histogram' ? [...boundariesFor(def.name, views)] : undefined;
      this.metrics.set(def.name, new AggregatedMetric(def, limits, boundaries, def.unit));
    }
  }

  /**
   * @internal Which part of `views` would make other series or buckets than this producer's own views
   * (see viewsDifference), or undefined when they agree.
   */
  viewsDifference(views: GenAiViewsOptions | undefined): string | undefined {
    return viewsDifference(this.views, views);
  }

  /**
   * @internal The currency of llm.usage.cost, once a GenAiMetrics with prices records into this
   * producer: one series per attribute set holds every recorder's cost, so a second currency is refused.
   */
  costCurrency: string | undefined;

  /** @internal whether this producer records `metricName`. */
  records(metricName: string): boolean {
    return this.metrics.has(metricName);
  }

  /**
   * @internal The binder a GenAiMetrics records through: its sanitizer bounds and counts attribute
   * values; `currency` is the unit of llm.usage.cost (given by a GenAiMetrics with prices only).
   */
  binder(sanitizer: Sanitizer, currency?: string): SeriesBinder {
    if (currency !== undefined) {
      this.metrics.get(sc.METRIC_LLM_USAGE_COST)?.setUnit(currency);
      this.costCurrency = currency;
    }
    const metrics = this.metrics;
    return {
      has: (name) => metrics.has(name),
      bind: (name, attributes): BoundSeries | undefined =>
        metrics.get(name)?.table.bind(attributes, sanitizer),
    };
  }

  /** Series bound for `metricName`, the overflow series included (never more than the cardinality limit). */
  seriesCount(metricName: string): number {
    return this.metrics.get(metricName)?.table.size ?? 0;
  }

  async collect(): Promise<CollectionResult> {
    const nowMs = Date.now();
    const metrics: MetricData[] = [];
    const slice = new TimeSlice(SCRAPE_SLICE_MS);
    for (const metric of this.metrics.values()) {
      const data = await metric.collect(nowMs, this.selectTemporality(metric.instrumentType), slice);
      if (data) metrics.push(data);
    }
    return {
      resourceMetrics: {
        resource: undefined as never, // the reader keeps the SDK producer's resource
        scopeMetrics: metrics.length ? [{ scope: SCOPE, metrics }] : [],
      },
      errors: [],
    };
  }
}

function isAggregated(def: MetricDefinition): def is MetricDefinition & { instrument: AggregatedKind } {
  return def.instrument === 'histogram' || def.instrument === 'counter' || def.instrument === 'upDownCounter';
}

function temporalitySelector(option: TemporalityOption | undefined): AggregationTemporalitySelector {
  if (typeof option === 'function') {
    return (type) => {
      try {
        const chosen: unknown = option(type);
        if (chosen === AggregationTemporality.DELTA) return AggregationTemporality.DELTA;
        if (chosen !== AggregationTemporality.CUMULATIVE) {
          // An async selector: its Promise is nobody's to await, and a rejected one would end the
          // process (an unhandled rejection); the choice must be made now, so it is cumulative.
          const promise = markHandled(chosen);
          warnOnce(
            'temporality-selector',
            `genai-metrics: the temporality selector returned ${promise ? 'a Promise (it must answer synchronously, not be async)' : describeValue(chosen)}, not AggregationTemporality.DELTA or CUMULATIVE; cumulative is used`,
          );
        }
        return AggregationTemporality.CUMULATIVE;
      } catch {
        return AggregationTemporality.CUMULATIVE;
      }
    };
  }
  switch (option) {
    case undefined:
    case 'cumulative':
      return () => AggregationTemporality.CUMULATIVE;
    case 'delta':
      return (type) =>
        type === InstrumentType.UP_DOWN_COUNTER || type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER
          ? AggregationTemporality.CUMULATIVE
          : AggregationTemporality.DELTA;
    case 'lowmemory':
      return (type) =>
        type === InstrumentType.COUNTER || type === InstrumentType.HISTOGRAM
          ? AggregationTemporality.DELTA
          : AggregationTemporality.CUMULATIVE;
    default:
      throw new RangeError(
        `genai-metrics: temporality must be 'cumulative', 'delta', 'lowmemory' or a selector function, got ${describeValue(option)}`,
      );
  }
}
