import {
  ConsoleMetricExporter,
  type MetricProducer,
  type MetricReader,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { exportPlatform } from '#export-platform';
import { FlushOnlyMetricReader } from './flush-only-reader.js';
import type { LazyInstanceId } from './instance-id.js';
import type { ResolvedConfig } from './options.js';
import { createOtlpReader } from './otlp-reader.js';
import type { MetricsRequestHandler } from './prometheus-listener.js';

export interface ReaderSetup {
  /** Undefined for `none`. */
  reader: MetricReader | undefined;
  /** The exposition handler (prometheus), else a 404 that says how to get one. */
  metricsHandler: MetricsRequestHandler;
  /** The same as a web `Response`. */
  metricsResponse: (request?: Request) => Promise<Response>;
  /** Set when a built-in listener should be opened. */
  listen: boolean;
}

/**
 * The one place a reader is built, for every exporter. `metricProducers` (pre-aggregated data such as
 * core's chunk aggregator) are attached here so that every exporter sees them.
 */
export async function createReader(
  config: ResolvedConfig,
  metricProducers?: MetricProducer[],
  /** The resource's `service.instance.id` still to draw (serverless OTLP: instance-id.ts). */
  instanceId?: LazyInstanceId,
): Promise<ReaderSetup> {
  switch (config.exporter) {
    case 'prometheus': {
      const { reader, serve, respond } = await exportPlatform.createPrometheusReader(
        config.prometheus,
        metricProducers,
      );
      return { reader, metricsHandler: serve, metricsResponse: respond, listen: config.prometheus.server };
    }
    case 'otlp':
      return {
        reader: await createOtlpReader(config, metricProducers, instanceId),
        ...noExposition('otlp'),
        listen: false,
      };
    case 'console': {
      const options = {
        exportTimeoutMillis: config.exportTimeoutMillis,
        ...(metricProducers ? { metricProducers } : {}),
      };
      const reader = config.serverless
        ? new FlushOnlyMetricReader({ ...options, createExporter: () => new ConsoleMetricExporter() })
        : new PeriodicExportingMetricReader({
            ...options,
            exporter: new ConsoleMetricExporter(),
            exportIntervalMillis: config.exportIntervalMillis,
          });
      return { reader, ...noExposition('console'), listen: false };
    }
    case 'none':
      return { reader: undefined, ...noExposition('none'), listen: false };
  }
}

function noExposition(exporter: string): Pick<ReaderSetup, 'metricsHandler' | 'metricsResponse'> {
  const body =
    `genai-metrics: the exporter is '${exporter}', so there is no Prometheus exposition here; ` +
    'set OTEL_METRICS_EXPORTER=prometheus (or exporter: "prometheus") to serve one\n';
  const headers = { 'content-type': 'text/plain; charset=utf-8' };
  return {
    metricsHandler: (_req, res) => {
      res.writeHead(404, headers).end(body);
    },
    metricsResponse: async () => new Response(body, { status: 404, headers }),
  };
}
