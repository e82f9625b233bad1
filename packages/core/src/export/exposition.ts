import { diag } from '@opentelemetry/api';
import type { CollectionResult, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricsRequestHandler } from './prometheus-listener.js';

/** What the exposition includes beside the data points (the `prometheus` options of setupMetrics). */
export interface ExpositionOptions {
  withoutScopeInfo: boolean;
  withoutTargetInfo: boolean;
}

export interface Exposition {
  contentType: string;
  body: string;
}

/**
 * THE seam between collected data and the bytes a scraper reads: every `/metrics` answer, for one
 * process or merged across a cluster, is rendered here, so the formats can never diverge. `accept` is
 * the scraper's Accept header, for content negotiation. Today it is the Prometheus text format written
 * by `@opentelemetry/exporter-prometheus`'s own serializer (loaded on demand, like the exporters).
 */
export async function renderExposition(
  resourceMetrics: ResourceMetrics,
  options: ExpositionOptions,
  _accept?: string,
): Promise<Exposition> {
  const serializer = await textSerializer(options);
  return { contentType: 'text/plain', body: serializer.serialize(resourceMetrics as never) };
}

interface Serializer {
  serialize(resourceMetrics: ResourceMetrics): string;
}
const serializers = new Map<string, Promise<Serializer>>();

function textSerializer(options: ExpositionOptions): Promise<Serializer> {
  const key = `${options.withoutScopeInfo}/${options.withoutTargetInfo}`;
  let serializer = serializers.get(key);
  if (!serializer) {
    serializer = import('@opentelemetry/exporter-prometheus').then(
      ({ PrometheusSerializer }) =>
        // Same arguments the exporter gives its own: no prefix, no timestamps, no resource labels.
        new PrometheusSerializer(
          '',
          false,
          undefined,
          options.withoutTargetInfo,
          options.withoutScopeInfo,
        ) as unknown as Serializer,
    );
    serializers.set(key, serializer);
  }
  return serializer;
}

/**
 * The `(req, res)` handler behind `handle.metricsHandler`: collects (one reader, or the cluster's
 * merge), renders through `renderExposition`, and never throws into the server that mounted it.
 */
export function createExpositionHandler(
  collect: () => Promise<CollectionResult>,
  options: ExpositionOptions,
): MetricsRequestHandler {
  return (req, res) => {
    const accept = typeof req.headers?.accept === 'string' ? req.headers.accept : undefined;
    collect()
      .then(({ resourceMetrics, errors }) => {
        if (errors.length > 0) diag.error('genai-metrics: metrics collection errors', ...errors);
        return renderExposition(resourceMetrics, options, accept);
      })
      .then(
        ({ contentType, body }) => {
          if (!res.headersSent) res.writeHead(200, { 'content-type': contentType });
          res.end(body);
        },
        (error: unknown) => {
          diag.error('genai-metrics: /metrics failed', error);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`# failed to export metrics: ${String(error)}\n`);
        },
      );
  };
}

/** The same as a web `Response`, for fetch-style servers (`handle.metricsResponse`). Never rejects. */
export function createExpositionResponder(
  collect: () => Promise<CollectionResult>,
  options: ExpositionOptions,
): () => Promise<Response> {
  return async () => {
    try {
      const { resourceMetrics, errors } = await collect();
      if (errors.length > 0) diag.error('genai-metrics: metrics collection errors', ...errors);
      const { contentType, body } = await renderExposition(resourceMetrics, options);
      return new Response(body, { headers: { 'content-type': contentType } });
    } catch (error) {
      return new Response(`# failed to export metrics: ${String(error)}\n`, {
        status: 500,
        headers: { 'content-type': 'text/plain' },
      });
    }
  };
}
