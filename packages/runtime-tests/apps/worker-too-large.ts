/**
 * A Worker whose flush is larger than the collector takes: `/<n>` records n operations, each of its
 * own model, and flushes them in one export (OTLP over the exporters' fetch transport, as in every
 * Worker).
 */

import { env } from 'cloudflare:workers';
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';

const bindings = env as unknown as { OTLP_URL: string };
const metrics = setupMetrics({
  serverless: true,
  serviceName: 'runtime-tests-worker-too-large',
  otlp: { url: bindings.OTLP_URL },
});

type Ctx = { waitUntil(p: Promise<unknown>): void };
export default {
  fetch: withMetricsFlush(metrics, async (request: Request, _env: unknown, _ctx: Ctx) => {
    const n = Number(new URL(request.url).pathname.slice(1)) || 1;
    const { genai } = await metrics;
    for (let i = 0; i < n; i++) {
      const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: `model-${i}` });
      op.setUsage({ inputTokens: 1, outputTokens: 1 });
      op.end();
    }
    return new Response(String(n));
  }),
};
