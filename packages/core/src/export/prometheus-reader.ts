import { diag } from '@opentelemetry/api';
import type { MetricProducer, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ResolvedPrometheus } from './options.js';
import type { MetricsRequestHandler } from './prometheus-listener.js';

export interface PrometheusReader {
  reader: MetricReader;
  /** The exporter's exposition handler (text format, content-type text/plain). */
  serve: MetricsRequestHandler;
  /** The same exposition as a web `Response` (Bun.serve, Deno.serve, Hono, …). */
  respond: () => Promise<Response>;
}

/**
 * `@opentelemetry/exporter-prometheus` as a pull reader. Its own server never starts: the built-in
 * listener (PrometheusListener) or the app's server calls its request handler.
 */
export async function createPrometheusReader(
  config: ResolvedPrometheus,
  metricProducers: MetricProducer[] | undefined,
): Promise<PrometheusReader> {
  const { PrometheusExporter, PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: config.withoutScopeInfo,
    withoutTargetInfo: config.withoutTargetInfo,
    // The exporter is typed against its own copy of sdk-metrics; the interface is the same.
    ...(metricProducers ? { metricProducers: metricProducers as never } : {}),
  });
  // The exporter's handler writes to a Node response; for a web Response we collect and serialize
  // with the exporter's own serializer, built as the exporter builds its own (no prefix, no
  // timestamps, the same scope/target options). Equivalence: test/export/metrics-response.test.ts.
  const serializer = new PrometheusSerializer(
    '',
    false,
    undefined,
    config.withoutTargetInfo,
    config.withoutScopeInfo,
  );
  const respond = async (): Promise<Response> => {
    try {
      const { resourceMetrics, errors } = await exporter.collect();
      if (errors.length) diag.error('genai-metrics: metrics collection errors', ...errors);
      return new Response(serializer.serialize(resourceMetrics), {
        headers: { 'content-type': 'text/plain' },
      });
    } catch (error) {
      return new Response(`# failed to export metrics: ${String(error)}\n`, {
        status: 500,
        headers: { 'content-type': 'text/plain' },
      });
    }
  };
  return {
    reader: exporter as unknown as MetricReader,
    serve: (req, res) => exporter.getMetricsRequestHandler(req, res),
    respond,
  };
}
