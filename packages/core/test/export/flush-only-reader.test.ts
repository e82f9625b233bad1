import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlushOnlyMetricReader } from '../../src/export/otlp-reader.js';

/**
 * Serverless mode's reader is the SDK's periodic reader without its timer: it must start none (so
 * setupMetrics may run at module scope in workerd, where a timer there throws) and export exactly
 * what the SDK's reader exports.
 */
afterEach(() => {
  vi.useRealTimers();
});

function pipeline(Reader: typeof PeriodicExportingMetricReader) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new Reader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return { exporter, provider };
}

describe('FlushOnlyMetricReader', () => {
  it('starts no timer, where the SDK periodic reader starts one', () => {
    vi.useFakeTimers();
    const periodic = pipeline(PeriodicExportingMetricReader);
    expect(vi.getTimerCount()).toBe(1);
    const flushOnly = pipeline(FlushOnlyMetricReader);
    expect(vi.getTimerCount()).toBe(1);
    void periodic.provider.shutdown();
    void flushOnly.provider.shutdown();
  });

  it('exports on forceFlush and shutdown exactly what the SDK periodic reader exports', async () => {
    const periodic = pipeline(PeriodicExportingMetricReader);
    const flushOnly = pipeline(FlushOnlyMetricReader);
    const record = (provider: MeterProvider, n: number) => {
      const meter = provider.getMeter('t');
      const h = meter.createHistogram('h', { advice: { explicitBucketBoundaries: [1, 10] } });
      const c = meter.createCounter('c');
      for (let i = 0; i < n; i++) {
        h.record(i, { k: i % 2 });
        c.add(i, { k: 'x' });
      }
    };
    const shape = (exporter: InMemoryMetricExporter) =>
      exporter.getMetrics().flatMap((rm) =>
        rm.scopeMetrics.flatMap((sm) =>
          sm.metrics.map((m) => ({
            name: m.descriptor.name,
            temporality: m.aggregationTemporality,
            points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
          })),
        ),
      );
    for (const { provider } of [periodic, flushOnly]) record(provider, 7);
    await Promise.all([periodic.provider.forceFlush(), flushOnly.provider.forceFlush()]);
    for (const { provider } of [periodic, flushOnly]) record(provider, 3);
    await Promise.all([periodic.provider.shutdown(), flushOnly.provider.shutdown()]);
    expect(shape(flushOnly.exporter)).toEqual(shape(periodic.exporter));
    expect(shape(flushOnly.exporter)).toHaveLength(4); // two exports of two metrics
  });
});
