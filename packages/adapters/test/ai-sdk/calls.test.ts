import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import {
  ACTIVE,
  collectWhenIdle,
  DURATION,
  metricsPipeline,
  STOPS,
  stopCounts,
  TPOC,
  TTFC,
  tokenSums,
} from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

const prompt = 'hi';

/**
 * generateText, streamText and generateObject through the real `ai` (both majors) and two real
 * provider packages (`@ai-sdk/openai` against the OpenAI-compatible server, `@ai-sdk/anthropic`
 * against the Anthropic-compatible one): one operation per model call, exact token sums, the
 * provider and model names, every way a stream ends.
 */
const PROVIDERS = [
  {
    name: 'openai' as const,
    start: startOpenAIServer,
    // The chat completions API; usage is only streamed when asked for, which @ai-sdk/openai does.
    model: (sdk: (typeof AI_SDKS)[number], url: string) => sdk.openai(url).chat('gpt-test'),
    provider: 'openai',
    input: 7,
  },
  {
    name: 'anthropic' as const,
    start: startAnthropicServer,
    model: (sdk: (typeof AI_SDKS)[number], url: string) => sdk.anthropic(url)('claude-test'),
    provider: 'anthropic',
    input: 7,
  },
];

describe.each(AI_SDKS)('$name', (sdk) => {
  const { ai } = sdk;
  describe.each(PROVIDERS)('@ai-sdk/$name', (p) => {
    const server = useServer(p.start as () => ReturnType<typeof startOpenAIServer>);
    const wrapped = (metrics: unknown, providerName?: string) =>
      ai.wrapLanguageModel({
        model: p.model(sdk, server().baseURL),
        middleware: genAiMiddleware({ metrics: metrics as never, providerName }),
      });
    const at = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': p.provider };

    it('generateText: one chat operation with the provider, the models and the exact usage', async () => {
      const { harness, metrics } = metricsPipeline();
      server().enqueue({ chunks: 4, responseModel: 'answered-by' });
      const result = await ai.generateText({ model: wrapped(metrics), prompt });
      expect(result.text).toBe('tok0 tok1 tok2 tok3 ');
      const m = await harness.collect();
      expect(m.points(DURATION)).toHaveLength(1);
      expect(m.points(DURATION)[0]!.attributes).toEqual({
        ...at,
        'gen_ai.request.model': p.name === 'openai' ? 'gpt-test' : 'claude-test',
        'gen_ai.response.model': 'answered-by',
      });
      expect(tokenSums(m)).toMatchObject({ input: p.input, output: 4 });
      expect(m.count(TTFC)).toBe(0);
      expect(stopCounts(m)).toEqual({ eog: 1 });
      expect(m.sum(ACTIVE)).toBe(0);
      await harness.shutdown();
    });

    it('streamText read to the end: time to first chunk once, a gap per later chunk, usage from the finish part', async () => {
      const { harness, metrics } = metricsPipeline();
      server().enqueue({ chunks: 5, chunkDelayMs: 5 });
      const result = ai.streamText({ model: wrapped(metrics), prompt });
      const parts: string[] = [];
      for await (const t of result.textStream) parts.push(t);
      expect(parts.join('')).toBe('tok0 tok1 tok2 tok3 tok4 ');
      const m = await collectWhenIdle(harness);
      expect(m.count(DURATION, at)).toBe(1);
      expect(m.histogram(TTFC).count).toBe(1);
      expect(m.histogram(TPOC).count).toBe(4);
      expect(tokenSums(m)).toMatchObject({ input: p.input, output: 5 });
      expect(stopCounts(m)).toEqual({ eog: 1 });
      await harness.shutdown();
    });

    it('streamText broken early: ai still reads the model stream to its end, so the call completes once', async () => {
      const { harness, metrics } = metricsPipeline();
      server().enqueue({ chunks: 5, chunkDelayMs: 5 });
      const result = ai.streamText({ model: wrapped(metrics), prompt });
      for await (const _ of result.textStream) break;
      await result.consumeStream?.();
      const m = await collectWhenIdle(harness);
      expect(m.points(DURATION)).toHaveLength(1);
      expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
      expect(tokenSums(m)).toMatchObject({ input: p.input, output: 5 });
      expect(m.sum(ACTIVE)).toBe(0);
      await harness.shutdown();
    });

    it('streamText aborted: the call ends once as cancelled, counted as an abort, without usage', async () => {
      const { harness, metrics } = metricsPipeline();
      server().enqueue({ chunks: 5, chunkDelayMs: 40 });
      const controller = new AbortController();
      const result = ai.streamText({ model: wrapped(metrics), prompt, abortSignal: controller.signal });
      const seen: string[] = [];
      try {
        for await (const t of result.textStream) {
          seen.push(t);
          controller.abort();
        }
      } catch {
        // ai 6 and 7 end an aborted textStream quietly; either way the call is over
      }
      expect(seen).toEqual(['tok0 ']);
      const m = await collectWhenIdle(harness);
      expect(m.points(DURATION)).toHaveLength(1);
      expect(m.points(DURATION)[0]!.attributes['error.type']).toBe('cancelled');
      expect(stopCounts(m)).toEqual({ abort: 1 });
      expect(tokenSums(m).count).toBe(0);
      expect(m.sum(ACTIVE)).toBe(0);
      await harness.shutdown();
    });

    it('a provider error mid-stream: the call fails once with its error.type, the caller gets the error', async () => {
      const { harness, metrics } = metricsPipeline();
      if (p.name === 'openai') server().enqueue({ chunks: 5, disconnectAfterChunks: 2 });
      else server().enqueue({ chunks: 5, errorEvent: { afterChunks: 2, type: 'overloaded_error' } } as never);
      const errors: unknown[] = [];
      const result = ai.streamText({
        model: wrapped(metrics),
        prompt,
        onError: ({ error }: { error: unknown }) => errors.push(error),
      });
      const text: string[] = [];
      try {
        for await (const t of result.textStream) text.push(t);
      } catch (error) {
        errors.push(error);
      }
      expect(text.join('')).toBe('tok0 tok1 ');
      expect(errors.length).toBeGreaterThan(0);
      const m = await collectWhenIdle(harness);
      expect(m.points(DURATION)).toHaveLength(1);
      // A cut socket is a connection error; Anthropic's overloaded_error event a server error.
      const expected = p.name === 'openai' ? 'connection_error' : 'server_error';
      expect(m.points(DURATION)[0]!.attributes['error.type']).toBe(expected);
      expect(m.histogram(TTFC).count).toBe(1);
      expect(stopCounts(m)).toEqual({ error: 1 });
      await harness.shutdown();
    });

    it('HTTP errors: the call fails once with its error.type, the caller gets the provider error', async () => {
      const { harness, metrics } = metricsPipeline();
      server().enqueue({ status: 429 }, { status: 500 });
      const model = wrapped(metrics);
      await expect(ai.generateText({ model, prompt, maxRetries: 0 })).rejects.toMatchObject({
        statusCode: 429,
      });
      const failed = ai.streamText({ model, prompt, maxRetries: 0, onError: () => {} });
      await expect(failed.text).rejects.toThrow();
      const m = await collectWhenIdle(harness);
      expect(m.count(DURATION)).toBe(2);
      expect(m.count(DURATION, { 'error.type': 'rate_limited' })).toBe(1);
      expect(m.count(DURATION, { 'error.type': 'server_error' })).toBe(1);
      expect(stopCounts(m)).toEqual({ error: 2 });
      expect(m.sum(ACTIVE)).toBe(0);
      await harness.shutdown();
    });

    it("providerName overrides the model's provider", async () => {
      const { harness, metrics } = metricsPipeline();
      await ai.generateText({ model: wrapped(metrics, 'azure.ai.openai'), prompt });
      const m = await harness.collect();
      expect(m.count(DURATION, { 'gen_ai.provider.name': 'azure.ai.openai' })).toBe(1);
      await harness.shutdown();
    });
  });

  describe('@ai-sdk/openai only', () => {
    const server = useServer(startOpenAIServer);

    it('generateObject: one chat operation, the object parsed as without the middleware', async () => {
      const { harness, metrics } = metricsPipeline();
      const model = ai.wrapLanguageModel({
        model: sdk.openai(server().baseURL).chat('gpt-test'),
        middleware: genAiMiddleware({ metrics }),
      });
      server().enqueue({ text: '{"city":"Paris","days":3}', chunks: 2 });
      const { object } = await ai.generateObject({
        model,
        prompt,
        schema: z.object({ city: z.string(), days: z.number() }),
      });
      expect(object).toEqual({ city: 'Paris', days: 3 });
      const m = await harness.collect();
      expect(m.count(DURATION, { 'gen_ai.operation.name': 'chat' })).toBe(1);
      expect(tokenSums(m)).toMatchObject({ input: 7, output: 2 });
      await harness.shutdown();
    });

    it('embed and embedMany through wrapEmbeddingModel: embeddings operations with their input tokens', async () => {
      const { harness, metrics } = metricsPipeline();
      const model = ai.wrapEmbeddingModel({
        model: sdk.openai(server().baseURL).embedding('embed-test'),
        middleware: genAiMiddleware({ metrics }),
      });
      const { embedding } = await ai.embed({ model, value: 'hello' });
      expect(embedding).toEqual([0.25, -0.5, 1]);
      server().enqueue({ promptTokens: 11 });
      const { embeddings } = await ai.embedMany({ model, values: ['a', 'b'] });
      expect(embeddings).toHaveLength(2);
      const m = await harness.collect();
      const emb = { 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'openai' };
      expect(m.count(DURATION, { ...emb, 'gen_ai.request.model': 'embed-test' })).toBe(2);
      expect(tokenSums(m, emb)).toMatchObject({ input: 18, output: 0 });
      expect(m.count(STOPS)).toBe(0);
      await harness.shutdown();
    });

    it('ai’s timeout option: the call ends as timeout (the signal’s TimeoutError), counted as an abort', async () => {
      const { harness, metrics } = metricsPipeline();
      const model = ai.wrapLanguageModel({
        model: sdk.openai(server().baseURL).chat('gpt-test'),
        middleware: genAiMiddleware({ metrics }),
      });
      server().enqueue({ firstByteDelayMs: 500 }, { chunks: 5, chunkDelayMs: 200 });
      await expect(ai.generateText({ model, prompt, maxRetries: 0, timeout: 100 })).rejects.toThrow();
      const stream = ai.streamText({ model, prompt, maxRetries: 0, timeout: 250, onError: () => {} });
      await stream.consumeStream().catch(() => {});
      const m = await collectWhenIdle(harness);
      expect(m.count(DURATION, { 'error.type': 'timeout' })).toBe(2);
      expect(stopCounts(m)).toEqual({ abort: 2 });
      await harness.shutdown();
    });

    it('each attempt of ai’s own retries is one call: a 429, then an answer', async () => {
      const { harness, metrics } = metricsPipeline();
      const model = ai.wrapLanguageModel({
        model: sdk.openai(server().baseURL).chat('gpt-test'),
        middleware: genAiMiddleware({ metrics }),
      });
      server().enqueue({ status: 429 }, {});
      const result = await ai.generateText({ model, prompt, maxRetries: 1 });
      expect(result.text).toBe('tok0 tok1 tok2 ');
      const m = await harness.collect();
      expect(m.count(DURATION)).toBe(2);
      expect(m.count(DURATION, { 'error.type': 'rate_limited' })).toBe(1);
      expect(stopCounts(m)).toEqual({ error: 1, eog: 1 });
      await harness.shutdown();
    });

    it('the Responses API model (the provider default) is a chat operation too', async () => {
      const { harness, metrics } = metricsPipeline();
      const model = ai.wrapLanguageModel({
        model: sdk.openai(server().baseURL)('gpt-test'),
        middleware: genAiMiddleware({ metrics }),
      });
      server().enqueue({ chunks: 3 }, { chunks: 3 });
      await ai.generateText({ model, prompt });
      const result = ai.streamText({ model, prompt });
      await result.consumeStream();
      const m = await collectWhenIdle(harness);
      expect(m.count(DURATION, { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' })).toBe(
        2,
      );
      expect(tokenSums(m)).toMatchObject({ input: 14, output: 6 });
      expect(m.histogram(TTFC).count).toBe(1);
      await harness.shutdown();
    });
  });
});

/**
 * `@ai-sdk/openai-compatible` (vLLM, LM Studio, llama.cpp's server) asks for a stream's usage only when
 * the provider is created with `includeUsage: true`: without it a streamed call has no usage, and its
 * tokens stay unknown — no token points at all, never zeros.
 */
describe.each(AI_SDKS)('$name: @ai-sdk/openai-compatible stream usage', (sdk) => {
  const server = useServer(startOpenAIServer);
  it.each([
    { includeUsage: true, tokens: { input: 7, output: 3, count: 2 } },
    { includeUsage: false, tokens: { input: 0, output: 0, count: 0 } },
  ])('includeUsage: $includeUsage', async ({ includeUsage, tokens }) => {
    const { harness, metrics } = metricsPipeline();
    const model = sdk.ai.wrapLanguageModel({
      model: sdk.compatible(server().baseURL, 'vllm', { includeUsage }).chatModel('m'),
      middleware: genAiMiddleware({ metrics }),
    });
    await sdk.ai.streamText({ model, prompt }).consumeStream();
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.provider.name': 'vllm' })).toBe(1);
    expect(tokenSums(m)).toEqual(tokens);
    await harness.shutdown();
  });
});
