export type {
  AgentCalls,
  AgentInvocation,
  StartAgentOptions,
  StartToolOptions,
  ToolExecution,
} from './agent/index.js';
export type { ChunkAggregatorOptions } from './aggregate/chunk-aggregator.js';
export { CHUNK_SERIES_METRICS, ChunkAggregator } from './aggregate/chunk-aggregator.js';
export type { GenAiMetricProducerOptions, TemporalityOption } from './aggregate/producer.js';
export { GenAiMetricProducer } from './aggregate/producer.js';
export type { BucketFamily, BucketPreset, BucketPresetName } from './buckets/index.js';
export { buckets, DEFAULT_CONTEXT_LENGTH, validateBoundaries } from './buckets/index.js';
export type { InstrumentKind, MetricDefinition, SemconvGeneration } from './catalogue/catalogue.js';
export { CATALOGUE, findMetric, metricsForMode } from './catalogue/catalogue.js';
export type { SemconvMode } from './catalogue/semconv-mode.js';
export { resolveSemconvMode, SEMCONV_MODES } from './catalogue/semconv-mode.js';
export type { ExemplarFilter } from './exemplar/filter.js';
export { EXEMPLAR_FILTERS } from './exemplar/filter.js';
export * from './export/index.js';
export { createGenAiMetrics, GenAiMetrics } from './gen-ai-metrics.js';
export type { GenAiMetricsOptions } from './gen-ai-metrics-options.js';
/**
 * The known name that a misspelt one is probably meant as (or undefined): the check behind every setup
 * function's unknown-option error, shared with @genai-metrics/adapters so both suggest alike.
 */
export { closest as closestKnownName } from './input/options.js';
export type { InputField, InputProblem } from './input/sanitizer.js';
export { DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT, TRUNCATION_SUFFIX } from './input/truncate.js';
export type { GaugeObservation, GaugeSource } from './instruments/gauges.js';
export type { ErrorType } from './operation/error-type.js';
export { ERROR_TYPES, errorTypeOf, safeErrorTypeOf } from './operation/error-type.js';
export type { StartModelLoadOptions } from './operation/model-load.js';
export { ModelLoad } from './operation/model-load.js';
export { Operation } from './operation/operation.js';
export type { ModelPrice, PriceTable } from './operation/prices.js';
export type { OperationKind, StartOperationOptions } from './operation/start-options.js';
export { OPERATION_KINDS } from './operation/start-options.js';
export type { TokensByModality, Usage, UsageField } from './operation/usage.js';
export type { PipelineQueue, QueueOptions, StageTimer, StartStageOptions } from './pipeline/index.js';
export type { BoundSeries } from './record/bound-series.js';
export { DEFAULT_CARDINALITY_LIMIT, OVERFLOW_ATTRIBUTE } from './record/series-table.js';
export type { LlamaVram } from './runtime/llama-vram.js';
export { readLlamaVram } from './runtime/llama-vram.js';
export * from './semconv.js';
export * from './serverless/index.js';
export { METER_NAME, VERSION } from './version.js';
export type { GenAiViewsOptions } from './view/gen-ai-views.js';
export { boundariesFor, genAiViews } from './view/gen-ai-views.js';
