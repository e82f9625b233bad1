/**
 * A Worker that answers with a streamed body (as one relaying a model's stream as server-sent events
 * does): the operation ends when the body has been sent, after the handler returned. withMetricsFlush
 * must flush it once the body has ended (through ctx.waitUntil), not when the handler returned.
 */

import { env } from 'cloudflare:workers';
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
import { MODEL } from './scenario.ts';

interface Env {
  OTLP_URL: string;
}
const bindings = env as unknown as Env;

const metrics = setupMetrics({
  serverless: true,
  serviceName: 'runtime-tests-worker-stream',
  otlp: { url: bindings.OTLP_URL },
});

const encoder = new TextEncoder();

export default {
  fetch: withMetricsFlush(
    metrics,
    async (_request: Request, _env: Env, _ctx: { waitUntil(p: Promise<unknown>): void }) => {
      const { genai } = await metrics;
      const op = genai.startOperation({
        operation: 'chat',
        provider: 'openai',
        requestModel: MODEL,
        stream: true,
      });
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (sent < 3) {
            sent++;
            op.chunk();
            controller.enqueue(encoder.encode(`data: ${sent}\n\n`));
          } else {
            op.setUsage({ inputTokens: 2, outputTokens: 3 });
            op.end();
            controller.close();
          }
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    },
  ),
};
