import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ExportPlatform } from './types.js';

/** Node, Bun and Deno: every exporter, each package imported only when chosen. */
export const exportPlatform: ExportPlatform = {
  async createPrometheusReader(config, metricProducers) {
    const { createPrometheusReader } = await import('../prometheus-reader.js');
    return createPrometheusReader(config, metricProducers);
  },
  async listen(config, serve) {
    const { PrometheusListener } = await import('../prometheus-listener.js');
    const listener = new PrometheusListener(config, serve);
    const url = await listener.listen();
    return { url, close: (graceMillis) => listener.close(graceMillis) };
  },
  async joinCluster(options) {
    const { joinCluster } = await import('../../cluster/join.js');
    return joinCluster(options);
  },
  async loadGrpcExporter(config) {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
    return () => {
      try {
        // Typed against the exporter's own copy of sdk-metrics; the PushMetricExporter interface is the same.
        return new OTLPMetricExporter({ ...config }) as unknown as PushMetricExporter;
      } catch (error) {
        throw withoutMetadataValue(error);
      }
    };
  },
};

/**
 * grpc-js refuses a metadata key or value it cannot carry (values: printable ASCII only) when the
 * exporter reads OTEL_EXPORTER_OTLP_(METRICS_)HEADERS, and its message quotes the value: a token
 * with an accented letter would be printed in the app's startup error and its logs. The same refusal,
 * without the value.
 */
function withoutMetadataValue(error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  const match = /^Metadata (key|string value) ".*" contains illegal characters$/s.exec(message);
  if (match === null) return error;
  const what =
    match[1] === 'key'
      ? 'a header name gRPC metadata cannot carry (lowercase letters, digits and -_. only)'
      : 'a header value gRPC metadata cannot carry (printable ASCII only)';
  return new RangeError(
    `genai-metrics: setupMetrics: OTEL_EXPORTER_OTLP_(METRICS_)HEADERS (or 'otlp.headers') holds ${what}; the value is not shown (it may be a credential)`,
  );
}
