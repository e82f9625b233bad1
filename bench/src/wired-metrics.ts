import { createGenAiMetrics, GenAiMetricProducer, type GenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';

/**
 * Metrics recorded the way `setupMetrics` wires them (the GenAI views and a `GenAiMetricProducer` that
 * pre-aggregates every operation metric, semconv v1.41), into an in-memory reader the bench can collect
 * from.
 */
export function wiredMetrics(): { harness: MetricsHarness; metrics: GenAiMetrics } {
  const producer = new GenAiMetricProducer();
  const harness = new MetricsHarness({ views: genAiViews(), metricProducers: [producer] });
  const metrics = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41', producer });
  return { harness, metrics };
}
