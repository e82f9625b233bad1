import { describeValue } from '../input/describe.js';
import { readOptions } from '../input/options.js';
import * as sc from '../semconv.js';
import type { GenAiViewsOptions } from '../view/gen-ai-views.js';
import { GenAiMetricProducer } from './producer.js';

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

/**
 * Pre-aggregates the per-chunk and per-token timings (CHUNK_SERIES_METRICS) and hands them to the
 * reader as an OTel `MetricProducer`; every other metric goes through SDK instruments. Register it on
 * exactly one reader (`metricProducers: [aggregator]`) and pass it to createGenAiMetrics.
 */
export class ChunkAggregator extends GenAiMetricProducer {
  constructor(options: ChunkAggregatorOptions = {}) {
    const o = readOptions(options, ['views', 'temporality'], 'genai-metrics: new ChunkAggregator()');
    const temporality = o.temporality;
    if (temporality !== undefined && temporality !== 'cumulative' && temporality !== 'delta') {
      throw new RangeError(
        `genai-metrics: chunk aggregator temporality must be 'cumulative' or 'delta', got ${describeValue(temporality)}`,
      );
    }
    super({ views: o.views as GenAiViewsOptions | undefined, temporality }, CHUNK_SERIES_METRICS);
  }
}
