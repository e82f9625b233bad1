/**
 * The one internal way to record a catalogue metric: bind a series once, record into it many times.
 *
 *   const series = binder.bind('llm.stage.duration', { 'llm.stage': 'tokenize', ... });
 *   series.record(0.004);                         // a histogram value, or an add for a counter
 *
 * `bind(metricName, attributes)` is where every bound on what we export is applied, once per binding:
 * the attributes are narrowed to those the catalogue declares for the metric (and the `views.attributes`
 * allow-list), each value is sanitised (strings bounded in length, finite numbers, booleans; every
 * property read once), and the attribute set is admitted under the cardinality limit: the first
 * `cardinalityLimit - 1` distinct sets a metric sees keep their own series, every later one shares the
 * `otel.metric.overflow=true` series — for the life of the process, across any number of collections.
 *
 * `record(value)` is then the whole per-measurement cost: on the pre-aggregated path (GenAiMetricProducer)
 * a bucket search and a few adds with no allocation; on the SDK path one SDK instrument call with the
 * bound attributes. Callers never know which path is active. A bound series stays valid for the life of
 * its GenAiMetrics, whatever collections happen in between (delta collections reset it in place), so a
 * long operation may hold one from start to end. Records never throw; a value that is not a finite
 * number (or is negative, for histograms and counters) is skipped and counted in `llm.input.sanitized`.
 *
 * Users of this API: Operation (through SeriesGroup), GenAiMetrics.record(), the pipeline recorders,
 * and adapters through `GenAiMetrics.bindSeries()` (the onnxruntime run recorder).
 */
export interface BoundSeries {
  /** A histogram value, or the increment of a counter / up-down counter. */
  record(value: number): void;
  /** `count` histogram values from `values` (e.g. the gaps of a stream), all with this series' attributes. */
  recordMany(values: Float64Array, count: number): void;
}

export interface SeriesBinder {
  /** Whether `metricName` is recorded by this binder (a sync catalogue metric of the semconv mode). */
  has(metricName: string): boolean;
  /** The series of `metricName` for these attributes, or undefined when this binder does not record it. */
  bind(metricName: string, attributes: unknown): BoundSeries | undefined;
}

/** Records nothing: what a metric that is not recorded in this mode binds to. */
export const NOOP_SERIES: BoundSeries = Object.freeze({
  record() {},
  recordMany() {},
});
