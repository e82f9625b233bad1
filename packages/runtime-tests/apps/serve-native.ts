/**
 * The app's own server, with the runtime's own API (Bun.serve or Deno.serve), serving `/metrics` from
 * `handle.metricsResponse(request)` next to its other routes; no second port. Prints its metrics URL and
 * the scenario's result as one JSON line; SIGTERM flushes and ends it (`handleSignals`).
 */
import { setupMetrics } from '@genai-metrics/core';
import { runScenario } from './scenario.ts';

const baseURL = process.env.OPENAI_BASE_URL;
if (!baseURL) throw new Error('OPENAI_BASE_URL is not set');

const metrics = await setupMetrics({
  serviceName: 'runtime-tests-serve-native',
  prometheus: { server: false },
  handleSignals: true,
});

function fetch(request: Request): Response | Promise<Response> {
  const { pathname } = new URL(request.url);
  // The request: its Accept header picks OpenMetrics (what Prometheus asks for) or the text format.
  if (pathname === '/metrics') return metrics.metricsResponse(request);
  return new Response('the app\n');
}

let port: number;
if (typeof Bun !== 'undefined') {
  port = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch }).port;
} else {
  port = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, fetch).addr.port;
}
const result = await runScenario(baseURL, metrics.genai);
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/metrics`, ...result }));
