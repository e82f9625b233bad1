/**
 * A function-style app on the runtime's own server (Bun.serve or Deno.serve, as on Deno Deploy), its
 * handler wrapped by withMetricsFlush: each request answers with a streamed body whose operation ends
 * as the body is read (an SSE relay of a model's stream), or is abandoned when the client leaves. The
 * flush must wait for the body's end, and the body's end reach the client only after it. Prints its URL.
 */
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';

const url = process.env.OTLP_URL;
if (!url) throw new Error('OTLP_URL is not set');

const metrics = setupMetrics({ serverless: true, serviceName: 'runtime-tests-serve-stream', otlp: { url } });
const encoder = new TextEncoder();

const fetch = withMetricsFlush(metrics, async (request: Request) => {
  const { genai } = await metrics;
  // The model name is the request's path: the test tells its requests apart by it.
  const requestModel = new URL(request.url).pathname.slice(1);
  const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel, stream: true });
  const chunks = Number(new URL(request.url).searchParams.get('chunks') ?? '3');
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (sent < chunks) {
        sent++;
        op.chunk();
        controller.enqueue(encoder.encode(`data: ${sent}\n\n`));
      } else {
        op.setUsage({ inputTokens: 2, outputTokens: chunks });
        op.end();
        controller.close();
      }
    },
    cancel() {
      op.abandon();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
});

let port: number;
if (typeof Bun !== 'undefined') {
  port = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch }).port;
} else {
  port = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, fetch).addr.port;
}
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/` }));
