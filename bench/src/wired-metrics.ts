import { ChunkAggregator, createGenAiMetrics, type GenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';

/**
 * Metrics recorded the way `setupMetrics` wires them (the GenAI views and a `ChunkAggregator` as a
 * metric producer, semconv v1.41), into an in-memory reader the bench can collect from.
 */
export function wiredMetrics(): { harness: MetricsHarness; metrics: GenAiMetrics } {
  const aggregator = new ChunkAggregator();
  const harness = new MetricsHarness({ views: genAiViews(), metricProducers: [aggregator] });
  const metrics = createGenAiMetrics({
    meterProvider: harness.meterProvider,
    semconv: 'v1.41',
    chunkAggregator: aggregator,
  });
  return { harness, metrics };
}
