import {
  createGenAiMetrics,
  GenAiMetricProducer,
  type GenAiMetrics,
  type GenAiMetricsOptions,
  genAiViews,
} from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';

/** What a bench needs of `@genai-metrics/core`: this build's, or another build's loaded by path. */
export interface CoreModule {
  createGenAiMetrics: typeof createGenAiMetrics;
  GenAiMetricProducer: typeof GenAiMetricProducer;
  genAiViews: typeof genAiViews;
}

const THIS_CORE: CoreModule = { createGenAiMetrics, GenAiMetricProducer, genAiViews };

/**
 * Metrics recorded the way `setupMetrics` wires them (the GenAI views and a `GenAiMetricProducer` that
 * pre-aggregates every operation metric, semconv v1.41), into an in-memory reader the bench can collect
 * from. `options` are added to createGenAiMetrics'; `core` is this build's unless given.
 */
export function wiredMetrics(
  options: Partial<GenAiMetricsOptions> = {},
  core: CoreModule = THIS_CORE,
): { harness: MetricsHarness; metrics: GenAiMetrics } {
  const producer = new core.GenAiMetricProducer();
  const harness = new MetricsHarness({ views: core.genAiViews(), metricProducers: [producer] });
  const metrics = core.createGenAiMetrics({
    meterProvider: harness.meterProvider,
    semconv: 'v1.41',
    producer,
    ...options,
  });
  return { harness, metrics };
}
