/**
 * A Worker whose exports may outlive their requests: `/short/<model>` gives its flush 300 ms, any
 * other `/<model>` 30 s. Each request records one operation of that model. A collector slower than a
 * request's flush bound leaves that request's export unfinished when workerd ends the request — its
 * I/O is dropped then and never settles — and later requests must still export their own.
 */

import { env } from 'cloudflare:workers';
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';

const bindings = env as unknown as { OTLP_URL: string };
const metrics = setupMetrics({
  serverless: true,
  serviceName: 'runtime-tests-worker-slow-collector',
  otlp: { url: bindings.OTLP_URL, timeoutMillis: 60_000 },
  exportTimeoutMillis: 60_000,
});

async function handle(request: Request): Promise<Response> {
  const model = new URL(request.url).pathname.split('/').pop() || 'unnamed';
  const { genai } = await metrics;
  const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: model });
  op.setUsage({ inputTokens: 1, outputTokens: 1 });
  op.end();
  return new Response(model);
}

type Ctx = { waitUntil(p: Promise<unknown>): void };
const shortFlush = withMetricsFlush(metrics, (r: Request, _e: unknown, _c: Ctx) => handle(r), {
  flushTimeoutMillis: 300,
});
const longFlush = withMetricsFlush(metrics, (r: Request, _e: unknown, _c: Ctx) => handle(r), {
  flushTimeoutMillis: 30_000,
});

export default {
  fetch(request: Request, workerEnv: unknown, ctx: Ctx): Promise<Response> {
    const short = new URL(request.url).pathname.startsWith('/short/');
    return (short ? shortFlush : longFlush)(request, workerEnv, ctx);
  },
};
