import { detectRuntime } from '../../runtime/runtime.js';
import type { ExportPlatform } from './types.js';

/**
 * Runtimes with `fetch` but no Node server or HTTP/2 client (Cloudflare Workers, Vercel Edge,
 * browsers): OTLP over HTTP works (the OTel exporters' fetch transport); the rest rejects at setup
 * with what to use instead. Nothing here imports a Node built-in.
 */
export const exportPlatform: ExportPlatform = {
  createPrometheusReader: () =>
    unsupported(
      'the Prometheus exporter serves /metrics from a Node HTTP server',
      "use serverless: true (OTLP pushed over fetch, flushed by withMetricsFlush) or exporter: 'otlp'",
    ),
  listen: () =>
    unsupported(
      'the built-in /metrics listener is a Node HTTP server',
      "use serverless: true (OTLP pushed over fetch) or exporter: 'otlp'",
    ),
  joinCluster: () =>
    unsupported(
      'cluster mode joins Node processes over Unix sockets and shared files',
      'drop cluster: each isolate is its own instance (serverless: true pushes OTLP per instance)',
    ),
  loadGrpcExporter: () =>
    unsupported(
      'OTLP over gRPC needs Node’s HTTP/2 client',
      "set otlp.protocol (or OTEL_EXPORTER_OTLP_PROTOCOL) to 'http/protobuf' or 'http/json'",
    ),
};

function unsupported(what: string, instead: string): Promise<never> {
  const runtime = detectRuntime().label;
  return Promise.reject(
    new Error(`genai-metrics: setupMetrics: ${what}, which ${runtime} does not have; ${instead}.`),
  );
}
