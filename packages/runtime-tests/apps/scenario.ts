/**
 * The calls every runtime test makes, written once and run unchanged in workerd, Deno and Bun: the
 * real `openai` SDK, instrumented by the real adapter, against the testkit's OpenAI-compatible server
 * (which the test queues one behaviour per request for: a 3-chunk stream, a plain answer, a 400).
 * Only web-standard APIs here, so it runs wherever the runtime does.
 */
import { instrumentOpenAI } from '@genai-metrics/adapters/openai';
import type { GenAiMetrics } from '@genai-metrics/core';
import OpenAI from 'openai';

export const MODEL = 'runtime-model';

export interface ScenarioResult {
  streamed: string;
  plain: string;
  failed: string;
}

export async function runScenario(baseURL: string, genai: GenAiMetrics): Promise<ScenarioResult> {
  const client = instrumentOpenAI(new OpenAI({ baseURL, apiKey: 'local', maxRetries: 0 }), {
    metrics: genai,
    includeUsage: true,
  });
  const messages = [{ role: 'user' as const, content: 'hello' }];

  const stream = await client.chat.completions.create({ model: MODEL, messages, stream: true });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';

  const answer = await client.chat.completions.create({ model: MODEL, messages });
  const plain = answer.choices[0]?.message.content ?? '';

  let failed = 'no error';
  try {
    await client.chat.completions.create({ model: MODEL, messages });
  } catch (error) {
    failed = error instanceof Error ? error.constructor.name : String(error);
  }
  return { streamed, plain, failed };
}
