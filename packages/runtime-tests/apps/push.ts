/**
 * Serverless push from Bun or Deno: the same `setupMetrics({ serverless: true })` and
 * `withMetricsFlush` as in a function, one invocation running the scenario, then shutdown. Settings
 * come from the environment (OPENAI_BASE_URL, OTLP_URL, OTLP_PROTOCOL); prints the scenario's result.
 */
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
import { runScenario } from './scenario.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const metrics = setupMetrics({
  serverless: true,
  serviceName: 'runtime-tests-push',
  otlp: { url: env('OTLP_URL'), protocol: env('OTLP_PROTOCOL') as 'http/protobuf' },
});
const handler = withMetricsFlush(metrics, async () =>
  runScenario(env('OPENAI_BASE_URL'), (await metrics).genai),
);
const result = await handler();
await (await metrics).shutdown();
console.log(JSON.stringify(result));
