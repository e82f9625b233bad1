import type { MetricProducer, MetricReader } from '@opentelemetry/sdk-metrics';
import { createExpositionHandler, createExpositionResponder } from './exposition.js';
import type { ResolvedPrometheus } from './options.js';
import type { MetricsRequestHandler } from './prometheus-listener.js';

export interface PrometheusReader {
  reader: MetricReader;
  /** The exposition handler for this process alone (see exposition.ts). */
  serve: MetricsRequestHandler;
  /** The same exposition as a web `Response` (Bun.serve, Deno.serve, Hono, …). */
  respond: (request?: Request) => Promise<Response>;
}

/**
 * `@opentelemetry/exporter-prometheus` as a pull reader. Its own server never starts, and its request
 * handler is not used either: the built-in listener (PrometheusListener), the app's server or a fetch
 * handler calls ours, which collect from this reader and render through the one exposition seam
 * shared with the cluster merge (exposition.ts). Equivalence with the exporter's own handler:
 * test/export/metrics-response.test.ts.
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
  const reader = exporter as unknown as MetricReader;
  const collect = (timeoutMillis: number) => reader.collect({ timeoutMillis });
  return {
    reader,
    serve: createExpositionHandler(collect, config),
    respond: createExpositionResponder(collect, config),
  };
}
