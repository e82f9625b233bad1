import * as sc from '../semconv.js';
import { GenAiMetricProducer, type GenAiMetricProducerOptions } from './producer.js';

/** The per-chunk and per-token series: the metrics recorded many times per operation. */
export const CHUNK_SERIES_METRICS: readonly string[] = [
  sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
  sc.METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN,
];

/**
 * The earlier name of GenAiMetricProducer, from when it pre-aggregated only the per-chunk timings.
 * It is the same class: code that creates a ChunkAggregator and passes it as `chunkAggregator` now has
 * every operation metric pre-aggregated.
 * @deprecated use GenAiMetricProducer (and createGenAiMetrics' `producer` option).
 */
export const ChunkAggregator = GenAiMetricProducer;
/** @deprecated use GenAiMetricProducer. */
export type ChunkAggregator = GenAiMetricProducer;
/** @deprecated use GenAiMetricProducerOptions. */
export type ChunkAggregatorOptions = GenAiMetricProducerOptions;
