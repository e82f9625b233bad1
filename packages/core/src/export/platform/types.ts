import type { MetricProducer, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { JoinClusterOptions, JoinedCluster } from '../../cluster/join.js';
import type { ResolvedPrometheus } from '../options.js';
import type { PrometheusReader } from '../prometheus-reader.js';

/**
 * The exporter pieces that need more than `fetch`: the Prometheus exporter and our listener
 * (node:http), and OTLP over gRPC (@grpc/grpc-js: node:http2, node:fs, …). core's package.json
 * `imports` map `#export-platform` to `node.ts` for Node, Bun and Deno, and to `fetch-only.ts` under
 * the `workerd` / `edge-light` / `worker` / `browser` conditions, so that a Worker bundle never even
 * resolves a Node built-in (it builds without nodejs_compat) and what is missing fails at setup.
 */
export interface ExportPlatform {
  createPrometheusReader(
    config: ResolvedPrometheus,
    metricProducers: MetricProducer[] | undefined,
  ): Promise<PrometheusReader>;
  /** Binds the built-in `/metrics` listener; resolves with its URL and a way to close it. */
  listen(config: ResolvedPrometheus, serve: PrometheusReader['serve']): Promise<MetricsListener>;
  /** Loads the OTLP/gRPC exporter; resolves with a function that makes one with `config`. */
  loadGrpcExporter(config: Record<string, unknown>): Promise<() => PushMetricExporter>;
  /** `cluster: true` with Prometheus: membership over Unix sockets and files (cluster/join.ts). */
  joinCluster(options: JoinClusterOptions): Promise<JoinedCluster>;
}

export interface MetricsListener {
  readonly url: string;
  /** Closes the listener, letting a scrape in flight finish within `graceMillis`. */
  close(graceMillis?: number): Promise<void>;
}
