export type { MergeRule } from '../cluster/merge-rules.js';
export { MERGE_RULES } from '../cluster/merge-rules.js';
export type { ClusterOptions } from '../cluster/options.js';
export type { MetricsHandle, MetricsRequestHandler } from './handle.js';
export type {
  ExporterName,
  OtlpOptions,
  OtlpProtocol,
  PrometheusAuth,
  PrometheusOptions,
  SetupMetricsOptions,
  TemporalityPreference,
} from './options.js';
export { EXPORTERS, OTLP_PROTOCOLS, TEMPORALITIES } from './options.js';
export { setupMetrics } from './setup-metrics.js';
