/**
 * A Cloudflare Worker as a user would write it (docs/runtimes.md): `setupMetrics` at module scope,
 * settings from the Worker's bindings, `withMetricsFlush` around the fetch handler. The flush is handed
 * to `ctx.waitUntil`, so the response is not held back by the export.
 */

import { env } from 'cloudflare:workers';
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
import { runScenario } from './scenario.ts';

interface Env {
  OTLP_URL: string;
  OTLP_PROTOCOL: 'http/protobuf' | 'http/json';
  OPENAI_BASE_URL: string;
}
const bindings = env as unknown as Env;

const metrics = setupMetrics({
  serverless: true,
  serviceName: 'runtime-tests-worker',
  // Longer than the test waits for a response: were the flush awaited instead of handed to
  // ctx.waitUntil, the response could not come back while the receiver holds the export.
  otlp: { url: bindings.OTLP_URL, protocol: bindings.OTLP_PROTOCOL, timeoutMillis: 60_000 },
});

export default {
  fetch: withMetricsFlush(
    metrics,
    async (_request: Request, workerEnv: Env, _ctx: { waitUntil(p: Promise<unknown>): void }) => {
      const { genai } = await metrics;
      const result = await runScenario(workerEnv.OPENAI_BASE_URL, genai);
      return Response.json({ ...result, hasProcess: typeof process !== 'undefined' });
    },
    { flushTimeoutMillis: 60_000 },
  ),
};
