import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, metricsPipeline, tokenSums } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/** Usage in the places and shapes OpenAI-compatible providers put it, read through the real SDKs. */
describe.each(SDKS)('openai v$major: provider usage shapes', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);
  const messages = [{ role: 'user', content: 'hi' }];

  function setup(semconv: 'v1.41' | 'latest' = 'v1.41') {
    const { harness, metrics } = metricsPipeline(semconv);
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    return { harness, client };
  }

  it("Groq's streamed usage under x_groq.usage is the call's usage", async () => {
    const { harness, client } = setup();
    // Groq streams its usage on the last chunk under `x_groq.usage`, not in `usage`.
    const groq = {
      id: 'chatcmpl-groq',
      object: 'chat.completion.chunk',
      model: 'llama-3.3-70b-versatile',
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      x_groq: {
        id: 'req_01',
        usage: {
          queue_time: 0.01,
          prompt_tokens: 21,
          prompt_time: 0.002,
          completion_tokens: 3,
          total_tokens: 24,
        },
      },
    };
    server().enqueue({ chunks: 3, usage: null, injectEvents: [groq] });
    const stream = await client.chat.completions.create({ model: 'llama', messages, stream: true });
    let seen = 0;
    for await (const c of stream) if ((c as { x_groq?: unknown }).x_groq) seen++;
    expect(seen).toBe(1); // the caller still gets Groq's chunk
    const m = await collectWhenIdle(harness);
    expect(tokenSums(m)).toEqual({ input: 21, output: 3, count: 2 });
    await harness.shutdown();
  });
});
