import type { MetricProducer, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ResolvedPrometheus } from './options.js';
import type { MetricsRequestHandler } from './prometheus-listener.js';

export interface PrometheusReader {
  reader: MetricReader;
  /** The exporter's exposition handler (text format, content-type text/plain). */
  serve: MetricsRequestHandler;
}

/**
 * `@opentelemetry/exporter-prometheus` as a pull reader. Its own server never starts: the built-in
 * listener (PrometheusListener) or the app's server calls its request handler.
 */
export async function createPrometheusReader(
  config: ResolvedPrometheus,
  metricProducers: MetricProducer[] | undefined,
): Promise<PrometheusReader> {
  const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: config.withoutScopeInfo,
    withoutTargetInfo: config.withoutTargetInfo,
    // The exporter is typed against its own copy of sdk-metrics; the interface is the same.
    ...(metricProducers ? { metricProducers: metricProducers as never } : {}),
  });
  return {
    reader: exporter as unknown as MetricReader,
    serve: (req, res) => exporter.getMetricsRequestHandler(req, res),
  };
}
