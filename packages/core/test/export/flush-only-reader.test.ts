import { OtlpReceiver } from '@genai-metrics/testkit';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlushOnlyMetricReader } from '../../src/export/flush-only-reader.js';

/**
 * Serverless mode's reader exports only when flushed: it must start no timer (so setupMetrics may run
 * at module scope in workerd, where a timer there throws) and export exactly what the SDK's periodic
 * reader exports.
 */
afterEach(() => {
  vi.useRealTimers();
});

function pipeline(kind: 'periodic' | 'flush-only') {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader =
    kind === 'periodic'
      ? new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
      : new FlushOnlyMetricReader({ createExporter: () => exporter, exportTimeoutMillis: 30_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return { exporter, provider };
}

describe('FlushOnlyMetricReader', () => {
  it('starts no timer, where the SDK periodic reader starts one', () => {
    vi.useFakeTimers();
    const periodic = pipeline('periodic');
    expect(vi.getTimerCount()).toBe(1);
    const flushOnly = pipeline('flush-only');
    expect(vi.getTimerCount()).toBe(1);
    void periodic.provider.shutdown();
    void flushOnly.provider.shutdown();
  });

  it('exports on forceFlush and shutdown exactly what the SDK periodic reader exports', async () => {
    const periodic = pipeline('periodic');
    const flushOnly = pipeline('flush-only');
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

  it('overlapping flushes each export at once, and reuse the exporters (and connections) that finished', async () => {
    const receiver = await OtlpReceiver.start('http');
    let created = 0;
    const reader = new FlushOnlyMetricReader({
      createExporter: () => {
        created++;
        return new OTLPMetricExporter({ url: receiver.metricsEndpoint, timeoutMillis: 60_000 });
      },
      exportTimeoutMillis: 60_000,
    });
    const provider = new MeterProvider({ readers: [reader] });
    const counter = provider.getMeter('t').createCounter('c');
    counter.add(1);
    let release!: () => void;
    receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
    try {
      // Three flushes while each other's exports are held: three exporters, three exports under way.
      const held = [1, 2, 3].map(() => provider.forceFlush());
      await vi.waitFor(() => expect(receiver.received).toBe(3), { timeout: 20_000 });
      expect(created).toBe(3);
      release();
      await Promise.all(held);
      receiver.behaviour = { mode: 'accept' };
      // Three more at once: the three exporters again, none made.
      await Promise.all([1, 2, 3].map(() => provider.forceFlush()));
      expect(receiver.acceptedCount()).toBe(6);
      expect(created).toBe(3);
    } finally {
      release();
      await provider.shutdown();
      await receiver.stop();
    }
  }, 60_000);
});
