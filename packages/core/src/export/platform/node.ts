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
    // Typed against the exporter's own copy of sdk-metrics; the PushMetricExporter interface is the same.
    return () => new OTLPMetricExporter({ ...config }) as unknown as PushMetricExporter;
  },
};
