import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, stopCounts, TTFC } from '../shared/harness.js';
import { collectAfterCollections, useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

/**
 * An error event once output has begun, in OpenAI's shape (`data: {"error": {…}}`), as OpenAI and
 * every OpenAI-compatible server (vLLM, LM Studio, …) send it: the provider hands it to ai as the
 * stream's `error` part with the body as it came, and the call is typed by the body's code, as the
 * OpenAI adapter types the same event — not `_OTHER`.
 */
const EVENTS = [
  {
    name: 'server_error',
    error: { message: 'boom', type: 'server_error', param: null, code: 'server_error' },
    expected: 'server_error',
  },
  {
    name: 'rate limit',
    error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    expected: 'rate_limited',
  },
  {
    name: "vLLM's BadRequestError",
    error: { object: 'error', message: 'bad', type: 'BadRequestError', param: null, code: 400 },
    expected: 'invalid_request',
  },
];

describe.each(AI_SDKS)('$name: an OpenAI-shaped error event mid-stream', (sdk) => {
  const server = useServer(startOpenAIServer);
  const PROVIDERS = [
    {
      name: '@ai-sdk/openai (chat)',
      model: () => sdk.openai(server().baseURL).chat('gpt-test'),
      provider: 'openai',
    },
    // An OpenAI-compatible provider is named as the app names it (`vllm.chat` → `vllm`).
    {
      name: '@ai-sdk/openai-compatible',
      model: () => sdk.compatible(server().baseURL, 'vllm')('llama'),
      provider: 'vllm',
    },
  ];

  describe.each(PROVIDERS)('$name', (p) => {
    it.each(EVENTS)('$name: the call fails once with error.type $expected', async ({ error, expected }) => {
      const { harness, metrics } = metricsPipeline();
      const model = sdk.ai.wrapLanguageModel({ model: p.model(), middleware: genAiMiddleware({ metrics }) });
      server().enqueue({ chunks: 4, errorEvent: { afterChunks: 2, error } });
      const errors: unknown[] = [];
      const result = sdk.ai.streamText({
        model,
        prompt: 'hi',
        maxRetries: 0,
        onError: ({ error }: { error: unknown }) => errors.push(error),
      });
      const text: string[] = [];
      for await (const t of result.textStream) text.push(t);
      expect(text.join('')).toBe('tok0 tok1 ');
      expect(errors).toHaveLength(1);
      const m = await collectWhenIdle(harness);
      expect(m.points(DURATION).map((point) => point.attributes['error.type'])).toEqual([expected]);
      expect(m.points(DURATION)[0]!.attributes['gen_ai.provider.name']).toBe(p.provider);
      expect(m.histogram(TTFC).count).toBe(1);
      expect(stopCounts(m)).toEqual({ error: 1 });
      await harness.shutdown();
    });
  });
});

/**
 * A reader of the model stream that leaves once the provider's `error` part arrived — a custom loop
 * that throws on it (its `for await` cancels the stream), or a fallback model that stops reading and
 * turns to the next model (ai-fallback drops the stream unread): the provider failed the call, and
 * the reader leaving after that does not make it a caller's stop.
 */
describe.each(AI_SDKS)('$name: a reader that leaves after the error part', (sdk) => {
  const server = useServer(startAnthropicServer);
  const callOptions = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };

  async function erroredStream(metrics: unknown) {
    const model = sdk.ai.wrapLanguageModel({
      model: sdk.anthropic(server().baseURL)('claude-test'),
      middleware: genAiMiddleware({ metrics: metrics as never }),
    });
    server().enqueue({ chunks: 5, errorEvent: { afterChunks: 2, type: 'overloaded_error' } } as never);
    const { stream } = await model.doStream(callOptions);
    return stream as ReadableStream<{ type: string }>;
  }

  it('a loop that throws on it (cancelling the stream): failed with the error’s type, not cancelled', async () => {
    const { harness, metrics } = metricsPipeline();
    const stream = await erroredStream(metrics);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const part of stream as unknown as AsyncIterable<{ type: string }>) {
          seen.push(part.type);
          if (part.type === 'error') throw new Error('provider failed');
        }
      })(),
    ).rejects.toThrow('provider failed');
    expect(seen.filter((t) => t === 'text-delta')).toHaveLength(2);
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION).map((point) => point.attributes['error.type'])).toEqual(['server_error']);
    expect(stopCounts(m)).toEqual({ error: 1 });
    await harness.shutdown();
  });

  it('a fallback that stops reading there and drops the stream: failed with the error’s type when collected', async () => {
    const { harness, metrics } = metricsPipeline();
    await (async () => {
      const reader = (await erroredStream(metrics)).getReader();
      for (;;) {
        const { value } = await reader.read();
        if (value?.type === 'error') return; // as ai-fallback does: on to the next model
      }
    })();
    const m = await collectAfterCollections(harness);
    expect(m.points(DURATION).map((point) => point.attributes['error.type'])).toEqual(['server_error']);
    expect(stopCounts(m)).toEqual({ error: 1 });
    await harness.shutdown();
  });
});
