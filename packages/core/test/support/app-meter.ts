import { type Meter, metrics } from '@opentelemetry/api';
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
