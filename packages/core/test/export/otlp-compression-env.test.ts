import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * OTEL_EXPORTER_OTLP_(METRICS_)COMPRESSION as people write it: `GZIP` (other SDKs' docs and many
 * manifests), `Gzip`. The OTLP exporters compare it case-sensitively, so such a value sent every export
 * uncompressed with a diag warning alone — to a collector or gateway that may limit or bill by size —
 * and a typo did the same. Read by setup without regard to case and handed to the exporter; anything
 * but gzip or none fails at setup, naming the variable.
 */
describe('the OTLP compression variables', () => {
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

  async function encodingOfOneExport(): Promise<string | undefined> {
    const before = receiver.exports.length;
    const metrics = await setupMetrics({
      exporter: 'otlp',
      otlp: { protocol: 'http/protobuf', url: receiver.metricsEndpoint },
    });
    try {
      metrics.meterProvider.getMeter('app').createCounter('jobs').add(1);
      await metrics.forceFlush();
    } finally {
      await metrics.shutdown();
    }
    const sent = receiver.exports.slice(before).filter((e) => e.points.some((p) => p.metric === 'jobs'));
    expect(sent.length).toBeGreaterThan(0);
    return sent[0]!.contentEncoding;
  }

  it.each([
    ['OTEL_EXPORTER_OTLP_COMPRESSION', 'GZIP'],
    ['OTEL_EXPORTER_OTLP_METRICS_COMPRESSION', ' Gzip\n'],
  ])('%s=%j: the collector gets gzip', async (name, value) => {
    vi.stubEnv(name, value);
    expect(await encodingOfOneExport()).toBe('gzip');
  });

  it('the metrics variable wins over the shared one, whatever its case', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_COMPRESSION', 'gzip');
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_COMPRESSION', 'NONE');
    expect(await encodingOfOneExport()).toBeUndefined();
  });

  it('refuses anything but gzip or none at setup, naming the variable', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_COMPRESSION', 'gzipp');
    await expect(
      setupMetrics({ exporter: 'otlp', otlp: { protocol: 'http/protobuf', url: receiver.metricsEndpoint } }),
    ).rejects.toThrow("OTEL_EXPORTER_OTLP_COMPRESSION is 'gzipp'; valid values: 'gzip', 'none'");
  });
});
