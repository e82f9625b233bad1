import {
  type MetricProducer,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { exportPlatform } from '#export-platform';
import type { OtlpProtocol, ResolvedConfig, TemporalityPreference } from './options.js';

/**
 * The SDK's periodic reader without its timer, for serverless mode: it exports on `forceFlush()`
 * (what `withMetricsFlush` calls after each invocation) and on `shutdown()`, with the same collect,
 * timeout and error handling. A timer is useless in a function that is frozen between invocations,
 * and Cloudflare's workerd forbids starting one outside a request handler, so `setupMetrics` could
 * not be called at module scope there. `onInitialized` is the SDK's hook for starting work once the
 * MeterProvider owns the reader; the periodic reader starts its interval in it.
 */
export class FlushOnlyMetricReader extends PeriodicExportingMetricReader {
  protected override onInitialized(): void {}
}

/**
 * The OTLP exporter for the chosen protocol, loaded on demand so that the packages of the other
 * protocols are never imported. Endpoint, headers, timeout and (unless we were told otherwise)
 * temporality are read by the exporter itself from the standard OTEL_EXPORTER_OTLP_* variables.
 */
export async function createOtlpReader(
  config: ResolvedConfig,
  metricProducers: MetricProducer[] | undefined,
): Promise<MetricReader> {
  const { protocol, url, headers, timeoutMillis, temporality } = config.otlp;
  const { AggregationTemporalityPreference } = await import('@opentelemetry/exporter-metrics-otlp-http');
  const exporterConfig: Record<string, unknown> = {};
  if (url !== undefined) exporterConfig.url = url;
  if (headers !== undefined) exporterConfig.headers = headers;
  if (timeoutMillis !== undefined) exporterConfig.timeoutMillis = timeoutMillis;
  if (temporality !== undefined) {
    const map: Record<TemporalityPreference, number> = {
      cumulative: AggregationTemporalityPreference.CUMULATIVE,
      delta: AggregationTemporalityPreference.DELTA,
      lowmemory: AggregationTemporalityPreference.LOWMEMORY,
    };
    exporterConfig.temporalityPreference = map[temporality];
  }
  const exporter = await loadExporter(protocol, exporterConfig);
  const Reader = config.serverless ? FlushOnlyMetricReader : PeriodicExportingMetricReader;
  return new Reader({
    exporter,
    exportIntervalMillis: config.exportIntervalMillis,
    exportTimeoutMillis: config.exportTimeoutMillis,
    ...(metricProducers ? { metricProducers } : {}),
  });
}

async function loadExporter(
  protocol: OtlpProtocol,
  cfg: Record<string, unknown>,
): Promise<PushMetricExporter> {
  // Each exporter is typed against its own copy of sdk-metrics; the PushMetricExporter interface is the same.
  switch (protocol) {
    case 'http/protobuf': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
      return new OTLPMetricExporter(cfg) as unknown as PushMetricExporter;
    }
    case 'http/json': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      return new OTLPMetricExporter(cfg) as unknown as PushMetricExporter;
    }
    case 'grpc':
      // Node, Bun and Deno only: @grpc/grpc-js needs node:http2 (see platform/types.ts).
      return exportPlatform.createGrpcExporter(cfg);
  }
}
