import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE with surrounding whitespace — a trailing space or
 * newline from an env file, a YAML manifest or a secret store. Setup trimmed it and took it, but the
 * exporter compares the variable untrimmed: 'delta ' matched nothing, and it exported cumulative with a
 * diag warning alone — in serverless mode too, where the variable replaced the delta default. The
 * backend got a cumulative series where the app had asked for delta (and a delta-only backend, such
 * as one behind Prometheus' OTLP receiver without its delta conversion, drops or misreads it).
 */
describe('the temporality variable is honoured with whitespace around it', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start('http');
  });
  afterAll(async () => {
    await receiver.stop();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['delta ', false],
    ['\tDelta\n', false],
    ['delta ', true],
  ])('%j (serverless: %s): the collector gets delta points', async (value, serverless) => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', value);
    const before = receiver.exports.length;
    const metrics = await setupMetrics({
      exporter: 'otlp',
      serverless,
      otlp: { protocol: 'http/protobuf', url: receiver.metricsEndpoint },
    });
    try {
      const jobs = metrics.meterProvider.getMeter('app').createCounter('jobs');
      jobs.add(1);
      await metrics.forceFlush();
      jobs.add(1);
      await metrics.forceFlush();
    } finally {
      await metrics.shutdown();
    }
    const points = receiver.exports
      .slice(before)
      .filter((e) => e.accepted)
      .flatMap((e) => e.points)
      .filter((p) => p.metric === 'jobs');
    expect(points.map((p) => [p.temporality, p.value])).toEqual([
      ['delta', 1],
      ['delta', 1],
    ]);
  });
});
