/**
 * A Worker that answers at once and makes its model calls afterwards, in work it hands to
 * `ctx.waitUntil` itself (a background summary, a follow-up call). Those operations end after the
 * response and after the flush withMetricsFlush hands over at return: it must flush once more when
 * that work has settled, or they wait for another request of the isolate — or are lost with it.
 */

import { env } from 'cloudflare:workers';
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
import { runScenario } from './scenario.ts';

interface Env {
  OTLP_URL: string;
  OPENAI_BASE_URL: string;
}
const bindings = env as unknown as Env;

const metrics = setupMetrics({
  serverless: true,
  serviceName: 'runtime-tests-worker-background',
  otlp: { url: bindings.OTLP_URL },
});

export default {
  fetch: withMetricsFlush(
    metrics,
    async (_request: Request, workerEnv: Env, ctx: { waitUntil(p: Promise<unknown>): void }) => {
      const { genai } = await metrics;
      ctx.waitUntil(runScenario(workerEnv.OPENAI_BASE_URL, genai));
      return new Response('accepted', { status: 202 });
    },
  ),
};
