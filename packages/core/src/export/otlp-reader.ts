import {
  type MetricProducer,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { exportPlatform } from '#export-platform';
import { FlushOnlyMetricReader } from './flush-only-reader.js';
import type { LazyInstanceId } from './instance-id.js';
import type { OtlpProtocol, ResolvedConfig, TemporalityPreference } from './options.js';
import { splitTooLarge } from './split-too-large.js';

/**
 * The OTLP exporter for the chosen protocol, loaded on demand so that the packages of the other
 * protocols are never imported. Endpoint, headers and timeout are read by the exporter itself from the
 * standard OTEL_EXPORTER_OTLP_* variables; the temporality and the compression are resolved in options.ts
 * and passed in.
 */
export async function createOtlpReader(
  config: ResolvedConfig,
  metricProducers: MetricProducer[] | undefined,
  instanceId?: LazyInstanceId,
): Promise<MetricReader> {
  const { protocol, url, headers, timeoutMillis, temporality, compression } = config.otlp;
  const { AggregationTemporalityPreference } = await import('@opentelemetry/exporter-metrics-otlp-http');
  const exporterConfig: Record<string, unknown> = {};
  if (url !== undefined) exporterConfig.url = url;
  if (headers !== undefined) exporterConfig.headers = headers;
  if (timeoutMillis !== undefined) exporterConfig.timeoutMillis = timeoutMillis;
  if (compression !== undefined) exporterConfig.compression = compression;
  if (temporality !== undefined) {
    const map: Record<TemporalityPreference, number> = {
      cumulative: AggregationTemporalityPreference.CUMULATIVE,
      delta: AggregationTemporalityPreference.DELTA,
      lowmemory: AggregationTemporalityPreference.LOWMEMORY,
    };
    exporterConfig.temporalityPreference = map[temporality];
  }
  const loaded = await loadExporter(protocol, exporterConfig);
  // A collector refusing an export for its size would lose all of it: split-too-large.ts.
  const createExporter = () => splitTooLarge(loaded());
  const options = {
    exportTimeoutMillis: config.exportTimeoutMillis,
    ...(metricProducers ? { metricProducers } : {}),
  };
  return config.serverless
    ? new FlushOnlyMetricReader({
        ...options,
        createExporter,
        ...(instanceId ? { settleResource: () => instanceId.draw() } : {}),
      })
    : new PeriodicExportingMetricReader({
        ...options,
        exporter: createExporter(),
        exportIntervalMillis: config.exportIntervalMillis,
      });
}

/** Makes exporters of `protocol` (serverless mode may need more than one: flush-only-reader.ts). */
async function loadExporter(
  protocol: OtlpProtocol,
  cfg: Record<string, unknown>,
): Promise<() => PushMetricExporter> {
  // Each exporter is typed against its own copy of sdk-metrics; the PushMetricExporter interface is the same.
  switch (protocol) {
    case 'http/protobuf': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
      return () => new OTLPMetricExporter({ ...cfg }) as unknown as PushMetricExporter;
    }
    case 'http/json': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      return () => new OTLPMetricExporter({ ...cfg }) as unknown as PushMetricExporter;
    }
    case 'grpc':
      // Node, Bun and Deno only: @grpc/grpc-js needs node:http2 (see platform/types.ts).
      return exportPlatform.loadGrpcExporter(cfg);
  }
}
