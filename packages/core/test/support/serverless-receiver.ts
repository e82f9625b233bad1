import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, beforeAll } from 'vitest';
import { type MetricsHandle, type SetupMetricsOptions, setupMetrics } from '../../src/index.js';

export interface ServerlessReceiver {
  receiver: OtlpReceiver;
  metrics: MetricsHandle;
}

/**
 * A real OTLP/HTTP receiver on 127.0.0.1 and a serverless-mode handle pushing to it, for the whole test
 * file (started before its tests, stopped after). `otlp` adds to the receiver's URL (protocol, timeouts).
 */
export function useServerlessReceiver(
  otlp: Omit<NonNullable<SetupMetricsOptions['otlp']>, 'url'>,
  options: Omit<SetupMetricsOptions, 'serverless' | 'otlp'> = {},
): ServerlessReceiver {
  const used = {} as ServerlessReceiver;
  beforeAll(async () => {
    used.receiver = await OtlpReceiver.start('http');
    used.metrics = await setupMetrics({
      ...options,
      serverless: true,
      otlp: { ...otlp, url: used.receiver.metricsEndpoint },
    });
  });
  afterAll(async () => {
    await used.metrics?.shutdown().catch(() => undefined);
    await used.receiver?.stop();
  });
  return used;
}
