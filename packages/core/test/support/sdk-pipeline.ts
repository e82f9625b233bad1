import {
  AggregationTemporality,
  InMemoryMetricExporter,
  type MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';

/**
 * A MeterProvider (the plain SDK's or ours, built by `provider`) with one cumulative in-memory reader
 * that exports only when asked: `collect()` exports once and returns that export's metrics, so the
 * provider tests compare what two providers export for the same records.
 */
export function pipeline(provider: (reader: PeriodicExportingMetricReader) => MeterProvider) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = provider(reader);
  const meter = meterProvider.getMeter('app');
  const collect = async (): Promise<MetricData[]> => {
    exporter.reset();
    await reader.forceFlush();
    return exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  };
  return { meter, meterProvider, collect };
}
