import { OtlpReceiver } from '@genai-metrics/testkit';
import { type Meter, metrics } from '@opentelemetry/api';
import { afterEach } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/** Where an app takes its Meter from: the handle's provider, or the OTel global API once registered. */
export type MeterSource = 'provider' | 'global';

/**
 * setupMetrics with `options`, its handle pushed to `handles` (the test's afterEach shuts them down and
 * calls `metrics.disable()`), and the app's Meter from `source`: the tests of the app's own instruments
 * run each case both ways, since both reach the same bounded provider.
 */
export async function appMeter(
  source: MeterSource,
  options: Parameters<typeof setupMetrics>[0],
  handles: MetricsHandle[],
): Promise<Meter> {
  const handle = await setupMetrics(options);
  handles.push(handle);
  if (source === 'provider') return handle.meterProvider.getMeter('app');
  metrics.setGlobalMeterProvider(handle.meterProvider);
  return metrics.getMeter('app');
}

/**
 * The handles and OTLP receivers a test file of the app's own instruments starts: all shut down after
 * each test, and the global API reset (`appMeter(…, 'global')` registers the provider there).
 */
export function appMeterTeardown(): { handles: MetricsHandle[]; startReceiver: () => Promise<OtlpReceiver> } {
  const handles: MetricsHandle[] = [];
  const receivers: OtlpReceiver[] = [];
  afterEach(async () => {
    metrics.disable();
    await Promise.all(handles.splice(0).map((h) => h.shutdown()));
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });
  const startReceiver = async () => {
    const receiver = await OtlpReceiver.start('http');
    receivers.push(receiver);
    return receiver;
  };
  return { handles, startReceiver };
}
