/**
 * A long-running app on Bun or Deno: `setupMetrics()` serves Prometheus' `/metrics` from the built-in
 * listener (node:http, which both runtimes provide), the scenario runs once, and the app prints its
 * metrics URL and the scenario's result as one JSON line. It stays up for scrapes until SIGTERM, which
 * `handleSignals` turns into one flush-and-shutdown before the process ends by that signal.
 */
import { setupMetrics } from '@genai-metrics/core';
import { runScenario } from './scenario.ts';

const baseURL = process.env.OPENAI_BASE_URL;
if (!baseURL) throw new Error('OPENAI_BASE_URL is not set');

const metrics = await setupMetrics({
  serviceName: 'runtime-tests-serve',
  prometheus: { port: 0 },
  handleSignals: true,
});
const result = await runScenario(baseURL, metrics.genai);
console.log(JSON.stringify({ url: metrics.url, ...result }));
// The listener does not keep a process alive on its own (as in Node): this timer does, until SIGTERM.
setInterval(() => undefined, 1 << 30);
