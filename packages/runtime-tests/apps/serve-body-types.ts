/**
 * Answers whose type the runtime reads from the body (a string, bytes, a Blob with a type), each served
 * twice on the runtime's own server: by the handler as it is, and wrapped by withMetricsFlush. The test
 * compares the two: the wrapper must not change what the client gets. `?running` leaves an operation
 * running past the answer (another request's stream), which makes withMetricsFlush follow any body.
 * Prints both URLs.
 */
import { type GenAiMetrics, setupMetrics, withMetricsFlush } from '@genai-metrics/core';

const url = process.env.OTLP_URL;
if (!url) throw new Error('OTLP_URL is not set');

const metrics = setupMetrics({ serverless: true, serviceName: 'runtime-tests-body-types', otlp: { url } });

function answer(path: string): Response {
  switch (path) {
    case '/text':
      return new Response('héllo wörld');
    case '/bytes':
      return new Response(new TextEncoder().encode('bytes'));
    case '/html':
      return new Response(new Blob(['<p>héllo</p>'], { type: 'text/html' }));
    default:
      return new Response('not found', { status: 404 });
  }
}

function handler(genai: GenAiMetrics | undefined) {
  return (request: Request): Response => {
    const { pathname, searchParams } = new URL(request.url);
    if (genai) {
      // The model name tells the test which runtime and request an operation came from.
      const runtime = typeof Bun !== 'undefined' ? 'bun' : 'deno';
      const requestModel = `${runtime}-${pathname.slice(1)}${searchParams.has('running') ? '-running' : ''}`;
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel }).end();
      if (searchParams.has('running')) {
        const other = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'other' });
        setTimeout(() => other.end(), 200);
      }
    }
    return answer(pathname);
  };
}

const { genai } = await metrics;
const wrapped = withMetricsFlush(metrics, handler(genai));
const plain = handler(undefined);

function serve(fetch: (request: Request) => Response | Promise<Response>): number {
  if (typeof Bun !== 'undefined') return Bun.serve({ hostname: '127.0.0.1', port: 0, fetch }).port;
  return Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, fetch).addr.port;
}

console.log(
  JSON.stringify({
    plain: `http://127.0.0.1:${serve(plain)}`,
    wrapped: `http://127.0.0.1:${serve(wrapped)}`,
  }),
);
