import { afterEach, describe, expect, it, vi } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * OTEL_EXPORTER_OTLP_(METRICS_)TIMEOUT are read by the OTLP exporter, which ignores a value it cannot
 * read (`5s`, `0`) and waits 10 s per request. Setup took any value as the app's own choice, so it
 * stopped bounding the request by the export timeout too: against a collector that does not answer,
 * the process lingered 10 s after shutdown() (test/export/shutdown-timeout.test.ts is the bound this
 * bypassed). Such a value is now a setup error; the values the exporter reads still set up.
 */
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('OTLP request timeout variables', () => {
  it.each([
    ['OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', '5s'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '0'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '-100'],
  ])('%s=%s is refused at setup', async (name, value) => {
    vi.stubEnv(name, value);
    await expect(setupMetrics({ exporter: 'otlp' })).rejects.toThrow(
      new RegExp(`${name} must be a number of milliseconds above 0, got '${value}'`),
    );
  });

  it.each(['5000', ' 2500 ', '1.5e3'])('%s sets up (the exporter reads it)', async (value) => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', value);
    const metrics = await setupMetrics({ exporter: 'otlp', otlp: { url: 'http://127.0.0.1:9/v1/metrics' } });
    await metrics.shutdown();
  });

  it('a Prometheus app does not read them', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_TIMEOUT', '10s');
    const metrics = await setupMetrics({ prometheus: { server: false } });
    await metrics.shutdown();
  });
});
