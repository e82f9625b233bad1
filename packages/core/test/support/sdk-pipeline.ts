import type { Attributes } from '@opentelemetry/api';
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

/** Records each (attributes, value) pair on a counter and a histogram, and observes it on a gauge. */
export function playOnEveryKind(
  meter: ReturnType<MeterProvider['getMeter']>,
  pairs: ReadonlyArray<[Attributes, number]>,
): void {
  const counter = meter.createCounter('app.counter');
  const histogram = meter.createHistogram('app.histogram');
  for (const [a, v] of pairs) {
    counter.add(v, a);
    histogram.record(v, a);
  }
  meter.createObservableGauge('app.gauge').addCallback((r) => {
    for (const [a, v] of pairs) r.observe(v, a);
  });
}

/** An export as comparable data: each metric's points (attributes and value) as sorted JSON. */
export function exportedPoints(metrics: MetricData[]) {
  return metrics
    .map((m) => ({
      name: m.descriptor.name,
      points: m.dataPoints.map((p) => JSON.stringify({ a: p.attributes, v: p.value })).sort(),
    }))
    .sort((x, y) => x.name.localeCompare(y.name));
}
