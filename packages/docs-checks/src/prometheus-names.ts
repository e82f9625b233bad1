import {
  ATTR_LLM_CLUSTER_PROCESS_STATE,
  CATALOGUE,
  type InstrumentKind,
  METRIC_LLM_CLUSTER_PROCESSES,
} from '@genai-metrics/core';
import { HARDWARE_METRICS } from './hardware-metrics.js';

/** A metric as the OTel Prometheus exporter exposes it. */
export interface ExposedMetric {
  /** The OTel name (`gen_ai.client.operation.duration`). */
  readonly otelName: string;
  /** The Prometheus base name (`gen_ai_client_operation_duration`). */
  readonly promName: string;
  readonly instrument: InstrumentKind;
  /** The UCUM unit the instrument declares (`s`, `By`, `{token}`); the exporter adds no suffix for it. */
  readonly unit: string;
  /** Prometheus label names its attributes become. */
  readonly labels: readonly string[];
}

/**
 * `@opentelemetry/exporter-prometheus` (0.2xx) naming: every character outside `[a-zA-Z0-9_:]`
 * becomes `_`, no unit suffix is added.
 */
export function toPrometheusName(otelName: string): string {
  return otelName.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/** The series names one metric produces: histograms `_bucket/_sum/_count`, monotonic sums `_total`. */
export function seriesNames(metric: ExposedMetric): string[] {
  switch (metric.instrument) {
    case 'histogram':
      return ['_bucket', '_sum', '_count'].map((s) => metric.promName + s);
    case 'counter':
      return [`${metric.promName}_total`];
    default:
      // UpDownCounters are non-monotonic sums (gauge type, no suffix); gauges are gauges.
      return [metric.promName];
  }
}

/** The one series a metric writes whenever it has data: a histogram's `_count`, a counter's `_total`, a gauge itself. */
export function presenceSeries(metric: ExposedMetric): string {
  const names = seriesNames(metric);
  return metric.instrument === 'histogram' ? `${metric.promName}_count` : names[0]!;
}

/**
 * The cluster's self-metric: not in the catalogue (no instrument records it), written by the merge of
 * every `setupMetrics({ cluster })` scrape (core's cluster/collect-merged.ts).
 */
const CLUSTER_METRICS = [
  {
    name: METRIC_LLM_CLUSTER_PROCESSES,
    instrument: 'gauge' as const,
    unit: '{process}',
    attributes: [ATTR_LLM_CLUSTER_PROCESS_STATE],
  },
];

/** Every metric we emit: the core catalogue (all semconv generations), the cluster's self-metric and the hardware gauges. */
export function exposedMetrics(): ExposedMetric[] {
  const fromCatalogue = CATALOGUE.map((d) => ({
    otelName: d.name,
    promName: toPrometheusName(d.name),
    instrument: d.instrument,
    unit: d.unit,
    labels: d.attributes.map(toPrometheusName),
  }));
  const others = [...CLUSTER_METRICS, ...HARDWARE_METRICS].map((d) => ({
    otelName: d.name,
    promName: toPrometheusName(d.name),
    instrument: d.instrument,
    unit: d.unit,
    labels: d.attributes.map(toPrometheusName),
  }));
  return [...fromCatalogue, ...others];
}

/** Series name → metric, for every series the exporter can write. */
export function exposedSeries(): Map<string, ExposedMetric> {
  const out = new Map<string, ExposedMetric>();
  for (const m of exposedMetrics()) for (const s of seriesNames(m)) out.set(s, m);
  return out;
}

/** Labels every series can carry besides its attributes: scrape target labels and exporter scope labels. */
export const INFRASTRUCTURE_LABELS: readonly string[] = [
  'job',
  'instance',
  'le',
  'otel_scope_name',
  'otel_scope_version',
  '__name__',
];
