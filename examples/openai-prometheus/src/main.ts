/**
 * The openai SDK, instrumented by genai-metrics, against any OpenAI-compatible server:
 *
 *   OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=... OPENAI_MODEL=my-model pnpm start
 *
 * It sends one plain and one streamed chat request, then serves the metrics for Prometheus at
 * http://127.0.0.1:9464/metrics (OTEL_EXPORTER_PROMETHEUS_HOST/PORT) until Ctrl-C. With `--once`
 * it prints the gen_ai series it exposes and exits instead.
 */
import { instrumentOpenAI } from '@genai-metrics/adapters/openai';
import { setupMetrics } from '@genai-metrics/core';
import OpenAI from 'openai';

const once = process.argv.includes('--once');
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';

const metrics = await setupMetrics({ serviceName: 'openai-prometheus-example' });
// new OpenAI() reads OPENAI_BASE_URL and OPENAI_API_KEY; local servers usually accept any key.
const client = instrumentOpenAI(new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'not-needed' }), {
  metrics,
  // Ask streamed calls for token usage; the extra usage-only chunk is hidden from this code.
  includeUsage: true,
});

try {
  const answer = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Say hello in five words.' }],
  });
  console.log('plain   :', answer.choices[0]?.message.content);

  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Count from one to ten in words.' }],
    stream: true,
  });
  process.stdout.write('streamed: ');
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
  process.stdout.write('\n');
} catch (error) {
  // Failed calls are recorded too (error.type), so the metrics are still worth a look.
  console.error(`request failed: ${error instanceof Error ? error.message : String(error)}`);
}

if (once) {
  const text = await (await fetch(metrics.url!)).text();
  console.log(
    text
      .split('\n')
      .filter((l) => l.startsWith('gen_ai_') && !l.includes('_bucket'))
      .join('\n'),
  );
  await metrics.shutdown();
} else {
  console.log(`metrics: ${metrics.url} (Ctrl-C to stop)`);
}
