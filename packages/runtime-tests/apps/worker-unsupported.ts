/**
 * What a Worker cannot have, asked for anyway: each `setupMetrics` must reject (never throw at import)
 * with a message naming the runtime and what to use instead. Answers the messages as JSON.
 */
import { type SetupMetricsOptions, setupMetrics } from '@genai-metrics/core';

const ATTEMPTS: Record<string, SetupMetricsOptions> = {
  prometheus: {},
  listener: { exporter: 'prometheus', prometheus: { port: 0 } },
  grpc: { serverless: true, otlp: { protocol: 'grpc', url: 'http://127.0.0.1:4317' } },
  signals: { serverless: true, handleSignals: true, otlp: { url: 'http://127.0.0.1:4318/v1/metrics' } },
};

export default {
  async fetch(): Promise<Response> {
    const messages: Record<string, string> = {};
    for (const [name, options] of Object.entries(ATTEMPTS)) {
      try {
        const handle = await setupMetrics(options);
        await handle.shutdown();
        messages[name] = 'resolved';
      } catch (error) {
        messages[name] = error instanceof Error ? error.message : String(error);
      }
    }
    return Response.json(messages);
  },
};
