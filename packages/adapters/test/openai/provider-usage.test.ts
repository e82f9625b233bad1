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
  /** A streamed chat call that asks for usage, read to its end. */
  async function streamWithUsage(client: ReturnType<typeof setup>['client'], model: string) {
    const stream = await client.chat.completions.create({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream);
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

  it("Moonshot's streamed usage inside the finishing choice is the call's usage", async () => {
    const { harness, client } = setup();
    // Moonshot AI (Kimi) streams its usage in choices[0].usage of the last chunk, not in `usage`.
    const kimi = {
      id: 'cmpl-kimi',
      object: 'chat.completion.chunk',
      model: 'kimi-k2.5',
      choices: [
        {
          index: 0,
          delta: {},
          finish_reason: 'stop',
          usage: { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 },
        },
      ],
    };
    server().enqueue({ chunks: 3, usage: null, injectEvents: [kimi] });
    const stream = await client.chat.completions.create({ model: 'kimi', messages, stream: true });
    for await (const _ of stream);
    const m = await collectWhenIdle(harness);
    expect(tokenSums(m)).toEqual({ input: 19, output: 13, count: 2 });
    await harness.shutdown();
  });

  it('modality counts in the usage details split the latest input and output counters by gen_ai.token.modality', async () => {
    const { harness, client } = setup('latest');
    // gpt-4o-audio-preview: audio in, audio + text out; OpenAI reports audio_tokens: 0 on text calls.
    const audio = {
      prompt_tokens: 120,
      completion_tokens: 60,
      total_tokens: 180,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 100, text_tokens: 20, image_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 45, text_tokens: 15 },
    };
    const text = {
      prompt_tokens: 10,
      completion_tokens: 4,
      total_tokens: 14,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    };
    // An image model through OpenRouter: image output tokens beside an unsplit rest.
    const image = {
      prompt_tokens: 30,
      completion_tokens: 1300,
      total_tokens: 1330,
      completion_tokens_details: { reasoning_tokens: 0, image_tokens: 1290 },
    };
    server().enqueue({ usage: audio }, { usage: text }, { usage: image });
    await client.chat.completions.create({ model: 'audio', messages });
    await client.chat.completions.create({ model: 'text', messages });
    await streamWithUsage(client, 'image');
    const m = await collectWhenIdle(harness);
    const split = (kind: string, model: string) => {
      const out: Record<string, number> = {};
      for (const p of m.points(`gen_ai.client.inference.usage.${kind}`, { 'gen_ai.request.model': model })) {
        out[String(p.attributes['gen_ai.token.modality'])] = p.value as number;
      }
      return out;
    };
    expect(split('input_tokens', 'audio')).toEqual({ audio: 100, text: 20 });
    expect(split('output_tokens', 'audio')).toEqual({ audio: 45, text: 15 });
    expect(split('input_tokens', 'text')).toEqual({ unknown: 10 });
    expect(split('output_tokens', 'text')).toEqual({ unknown: 4 });
    expect(split('input_tokens', 'image')).toEqual({ unknown: 30 });
    expect(split('output_tokens', 'image')).toEqual({ image: 1290, unknown: 10 });
    await harness.shutdown();
  });

  it("a gateway that sends both usage shapes (zeros under the other API's names) is read by the API called", async () => {
    const { harness, client } = setup();
    // one-api / new-api style gateways fill both vocabularies; the one the API does not use is all zeros.
    const chat = {
      prompt_tokens: 686,
      completion_tokens: 123,
      total_tokens: 809,
      prompt_tokens_details: { cached_tokens: 679 },
      input_tokens: 0,
      output_tokens: 0,
      input_tokens_details: null,
    };
    const responses = {
      input_tokens: 50,
      output_tokens: 9,
      total_tokens: 59,
      prompt_tokens: 0,
      completion_tokens: 0,
    };
    server().enqueue({ usage: chat }, { usage: chat }, { usage: responses });
    await client.chat.completions.create({ model: 'chat', messages });
    await streamWithUsage(client, 'chat');
    await client.responses.create({ model: 'resp', input: 'hi' });
    const m = await collectWhenIdle(harness);
    expect(tokenSums(m, { 'gen_ai.request.model': 'chat' })).toEqual({
      input: 2 * 686,
      output: 2 * 123,
      count: 4,
    });
    expect(tokenSums(m, { 'gen_ai.request.model': 'resp' })).toEqual({ input: 50, output: 9, count: 2 });
    await harness.shutdown();
  });
});
